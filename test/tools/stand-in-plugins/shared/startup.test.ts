import * as assert from "assert";
import { getVersion as commandSdkVersion } from "@pulumi/command/utilities";
import { getVersion as randomSdkVersion } from "@pulumi/random/utilities";
import { engineAddressFrom } from "../../../../tools/stand-in-plugins/shared/engineAddress";
import { sdkPackageVersion } from "../../../../tools/stand-in-plugins/shared/packageVersion";
import { resourceNameOf, resourceTypeOf } from "../../../../tools/stand-in-plugins/shared/urn";

describe("stand-in plugins: what they read at startup and from a URN", () => {
    it("reports the version the npm SDK's classes register with (@pulumi/command's package.json says v4.5.0)", () => {
        assert.strictEqual(sdkPackageVersion("@pulumi/random"), randomSdkVersion());
        assert.strictEqual(sdkPackageVersion("@pulumi/command"), commandSdkVersion());
        assert.match(sdkPackageVersion("@pulumi/command"), /^\d+\.\d+\.\d+$/);
    });

    it("takes the engine's address after the flags the engine may add", () => {
        assert.strictEqual(engineAddressFrom(["127.0.0.1:4000"]), "127.0.0.1:4000");
        assert.strictEqual(engineAddressFrom(["--logtostderr", "-v=9", "--tracing", "file:/tmp/t", "127.0.0.1:4000"]), "127.0.0.1:4000");
        assert.strictEqual(engineAddressFrom([]), undefined);
    });

    it("reads the type (after the parents) and the name (which may hold '::') from a URN", () => {
        const urn = "urn:pulumi:local::claude-enhancer::claude-enhancer:cluster:KindCluster$command:local:Command::local-kind::x";
        assert.strictEqual(resourceTypeOf(urn), "command:local:Command");
        assert.strictEqual(resourceNameOf(urn), "local-kind::x");
        assert.strictEqual(resourceTypeOf("urn:pulumi:s::p::random:index/randomId:RandomId::id"), "random:index/randomId:RandomId");
    });
});

/**
 * Entry point of the test-engine stand-in for the random resource plugin (no registry here serves the
 * upstream one): `node --require scripts/load-typescript.js tools/stand-in-plugins/random/main.ts
 * <engine-address>` serves the ResourceProvider gRPC and prints its port, as a plugin must.
 */
import * as provider from "@pulumi/pulumi/provider";
import { sdkPackageVersion } from "../shared/packageVersion";
import { RandomProvider } from "./randomProvider";

provider.main(new RandomProvider(sdkPackageVersion("@pulumi/random")), process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});

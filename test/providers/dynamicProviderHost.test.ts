import * as assert from "assert";
import { readStackSettings } from "../../config/stackFile";
import { HEALTH_GATE } from "../../identity";
import { DYNAMIC_PACKAGE } from "../../providers/dynamicProviderHost";
import { STAGE_RECORD } from "../../providers/stageRecord";
import { runProgram } from "../harness/program";
import { RecordingMocks } from "../harness/recorder";

// The SDK's registration entry point, called by every resource constructor (internal to @pulumi/pulumi, stable for years).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeResource = require("@pulumi/pulumi/runtime/resource") as { registerResource: (...args: unknown[]) => unknown };

const HOST_TYPE = `pulumi:providers:${DYNAMIC_PACKAGE}`;

describe("DynamicProviderHost in the program (under mocks)", () => {
    const local = readStackSettings("local") as Record<string, any>;

    it("reaches the engine before the program constructs any other resource, so its host starts while the rest is composed", async () => {
        const register = runtimeResource.registerResource;
        const newResource = RecordingMocks.prototype.newResource;
        let constructed = 0;
        let constructedWhenHostArrived: number | undefined;
        runtimeResource.registerResource = (...args) => {
            constructed++;
            return register(...args);
        };
        RecordingMocks.prototype.newResource = function (args) {
            if (args.type === HOST_TYPE) constructedWhenHostArrived ??= constructed;
            return newResource.call(this, args);
        };
        try {
            const run = await runProgram("local");
            assert.strictEqual(run.mocks.resources[0].type, HOST_TYPE, "the first registration");
            assert.ok(constructed > 50, `the whole program ran (${constructed} resources)`);
        } finally {
            runtimeResource.registerResource = register;
            RecordingMocks.prototype.newResource = newResource;
        }
        assert.strictEqual(constructedWhenHostArrived, 1, "resources constructed when the host's registration arrived");
    });

    it("runs the HealthGate's and the StageRecord's providers: both reference it", async () => {
        const run = await runProgram("local", {
            overrides: { rollout: { ...local.rollout, stage: "canary", candidateVersion: "5.1.0", allowStageJump: "INC-1: test" } },
        });
        const host = run.mocks.resources.filter((r) => r.type === HOST_TYPE);
        assert.deepStrictEqual(
            host.map((r) => r.name),
            ["dynamic-providers"],
        );
        const reference = `${host[0].urn}::${host[0].id}`;
        for (const token of [HEALTH_GATE.token, STAGE_RECORD.token]) {
            const dynamic = run.mocks.resources.filter((r) => r.type === token);
            assert.strictEqual(dynamic.length, 1, token);
            assert.strictEqual(dynamic[0].provider, reference, token);
        }
    });
});

import * as assert from "assert";
import { commandDiff } from "../../../../tools/stand-in-plugins/command/commandDiff";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const INPUTS = {
    create: "kind create",
    update: "kind get",
    environment: { KIND_CLUSTER_NAME: "local" },
    triggers: ["local", ""],
    logging: "stderr",
};
/** The state: the inputs plus the outputs of the last run. */
const STATE = { ...INPUTS, stdout: "apiVersion: v1", stderr: "Creating cluster" };

describe("stand-in command plugin: diff", () => {
    it("finds no change for the inputs of the state (its outputs are no inputs)", () => {
        assert.deepStrictEqual(commandDiff(STATE, INPUTS), { changes: false, replaces: [] });
    });

    it("replaces when triggers change", () => {
        assert.deepStrictEqual(commandDiff(STATE, { ...INPUTS, triggers: ["local", "kindest/node:v1.31.0"] }), {
            changes: true,
            replaces: ["triggers"],
        });
    });

    it("updates in place when another input changes, is added or removed", () => {
        assert.deepStrictEqual(commandDiff(STATE, { ...INPUTS, environment: { KIND_CLUSTER_NAME: "local", KIND_WAIT_SECONDS: "60" } }), {
            changes: true,
            replaces: [],
        });
        assert.deepStrictEqual(commandDiff(STATE, { ...INPUTS, dir: "/tmp" }), { changes: true, replaces: [] });
        const { update: _update, ...withoutUpdate } = INPUTS;
        assert.deepStrictEqual(commandDiff(STATE, withoutUpdate), { changes: true, replaces: [] });
    });

    it("replaces when a trigger is not known yet (a preview of a traffic move)", () => {
        assert.deepStrictEqual(commandDiff(STATE, { ...INPUTS, triggers: ["local", UNKNOWN] }), { changes: true, replaces: ["triggers"] });
    });

    it("counts null as unset", () => {
        assert.deepStrictEqual(commandDiff(STATE, { ...INPUTS, dir: null }), { changes: false, replaces: [] });
    });
});

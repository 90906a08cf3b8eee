import * as assert from "assert";
import { eventually } from "./eventually";

describe("eventually (waiting for what another process makes true)", function () {
    it("checks again until the check passes and returns its value", async function () {
        let calls = 0;
        const value = await eventually(
            () => {
                calls++;
                assert.ok(calls >= 3, `call ${calls}`);
                return `passed on call ${calls}`;
            },
            { what: "the third call", timeoutMs: 5000, intervalMs: 1 },
        );
        assert.strictEqual(value, "passed on call 3");
        assert.strictEqual(calls, 3);
    });

    it("fails after the deadline naming what it awaited and what the last check saw", async function () {
        let calls = 0;
        const started = Date.now();
        await assert.rejects(
            eventually(
                async () => {
                    calls++;
                    throw new Error(`seen ${calls}`);
                },
                { what: "the log line", timeoutMs: 50, intervalMs: 10 },
            ),
            (err: Error) => {
                assert.strictEqual(err.message, `timed out after 50 ms waiting for the log line; last seen: seen ${calls}`);
                assert.strictEqual((err.cause as Error).message, `seen ${calls}`);
                return true;
            },
        );
        assert.ok(calls >= 2, `${calls} checks`);
        assert.ok(Date.now() - started >= 50, "not before the deadline");
    });
});

import * as assert from "assert";
import { CommandRun, commandOutputs, goQuote } from "../../../../tools/stand-in-plugins/command/commandOutcome";

const run = (end: CommandRun["end"], stdout = "", stderr = "", combined = stdout + stderr): CommandRun => ({
    command: 'kind get kubeconfig --name "$KIND_CLUSTER_NAME"',
    end,
    stdout,
    stderr,
    combined,
});

describe("stand-in command plugin: a finished command's outputs or error", () => {
    it("gives stdout and stderr without one trailing newline, as upstream trims them", () => {
        assert.deepStrictEqual(commandOutputs(run({ exitCode: 0 }, "a\nb\n", "warn\n\n")), { stdout: "a\nb", stderr: "warn\n" });
        assert.deepStrictEqual(commandOutputs(run({ exitCode: 0 }, "no newline", "")), { stdout: "no newline", stderr: "" });
    });

    it("fails a non-zero exit with upstream's words: the exit status, the quoted command, all it printed", () => {
        assert.throws(
            () => commandOutputs(run({ exitCode: 3 }, "", "", "out\nERROR: no nodes found\n")),
            (err: Error) =>
                err.message ===
                'exit status 3: running "kind get kubeconfig --name \\"$KIND_CLUSTER_NAME\\"":\nout\nERROR: no nodes found\n',
        );
    });

    it("names a killing signal and a failed start as Go does", () => {
        assert.throws(() => commandOutputs(run({ signal: "SIGKILL" })), /^Error: signal: killed: running /);
        assert.throws(() => commandOutputs(run({ signal: "SIGUSR1" })), /^Error: signal: SIGUSR1: running /);
        assert.throws(
            () => commandOutputs(run({ startError: "chdir /nope: no such file or directory" })),
            /^Error: chdir \/nope: no such file or directory: running /,
        );
    });

    it("quotes as Go's %q", () => {
        assert.strictEqual(goQuote('a "b" \\ c'), '"a \\"b\\" \\\\ c"');
        assert.strictEqual(goQuote("tab\tnl\ncr\r\x07\x01\x7f é"), '"tab\\tnl\\ncr\\r\\a\\x01\\x7f é"');
    });
});

import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CommandInvocation, runCommand } from "../../../../tools/stand-in-plugins/command/runCommand";

/** One command through /bin/sh -c, as the stand-in runs it, collecting the lines it would log. */
async function run(command: string, overrides: Partial<CommandInvocation> = {}) {
    const lines: string[] = [];
    const result = await runCommand({
        command,
        interpreter: ["/bin/sh", "-c"],
        env: { PATH: process.env.PATH },
        logged: { stdout: true, stderr: true },
        onLogLine: (line) => lines.push(line),
        cancellation: new AbortController().signal,
        ...overrides,
    });
    return { ...result, lines };
}

describe("stand-in command plugin: running a command (/bin/sh)", () => {
    let dir: string;
    before(() => (dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "stand-in-command-")))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("captures both streams apart and interleaved, and the exit code", async () => {
        const result = await run("echo out; echo err >&2; echo again; exit 4");
        assert.deepStrictEqual(result.end, { exitCode: 4 });
        assert.strictEqual(result.stdout, "out\nagain\n");
        assert.strictEqual(result.stderr, "err\n");
        assert.strictEqual(result.combined.split("\n").sort().join(","), ",again,err,out");
    });

    it("runs in dir with the given environment and stdin", async () => {
        const result = await run('pwd; echo "$GREETING"; cat', {
            dir,
            env: { PATH: process.env.PATH, GREETING: "hello" },
            stdin: "from stdin\n",
        });
        assert.deepStrictEqual(result.end, { exitCode: 0 });
        assert.strictEqual(result.stdout, `${dir}\nhello\nfrom stdin\n`);
    });

    it("gives no stdin when none is given (the command reads end of input at once)", async () => {
        const result = await run("cat; echo done");
        assert.strictEqual(result.stdout, "done\n");
    });

    it("passes on only the logged streams, line by line (a final line without newline too)", async () => {
        const command = "printf 'kubeconfig: secret\\n'; printf 'Creating cluster\\r\\nReady' >&2";
        assert.deepStrictEqual((await run(command, { logged: { stdout: false, stderr: true } })).lines, ["Creating cluster", "Ready"]);
        assert.deepStrictEqual((await run(command, { logged: { stdout: true, stderr: false } })).lines, ["kubeconfig: secret"]);
        assert.deepStrictEqual((await run(command, { logged: { stdout: false, stderr: false } })).lines, []);
    });

    it("does not start in a missing directory, saying so as Go's chdir does", async () => {
        const missing = path.join(dir, "missing");
        assert.deepStrictEqual((await run("true", { dir: missing })).end, { startError: `chdir ${missing}: no such file or directory` });
    });

    it("reports an interpreter that cannot start", async () => {
        assert.deepStrictEqual((await run("true", { interpreter: [path.join(dir, "no-shell")] })).end, {
            startError: `spawn ${path.join(dir, "no-shell")} ENOENT`,
        });
    });

    it("kills the command when cancelled", async () => {
        const cancellation = new AbortController();
        const started = Date.now();
        const pending = run("echo started; sleep 30", { cancellation: cancellation.signal });
        setTimeout(() => cancellation.abort(), 300);
        const result = await pending;
        assert.deepStrictEqual(result.end, { signal: "SIGKILL" });
        assert.strictEqual(result.stdout, "started\n");
        assert.ok(Date.now() - started < 10_000, "the command ran on after the cancellation");
    });
});

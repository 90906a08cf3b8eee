import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Git, GitTrackedStack, gitIn, inGitWorkTree, stackFileProblem } from "../../bin/rolloutStack";
import { ProgressEvent, RolloutSettings, RolloutStack, StackOutputs, runRollout } from "../../rollout/driver";
import { resolveStageTable } from "../../rollout/stages";

/**
 * Git holds the stage (docs/rollout.md, "One source of truth"): the driver refuses a stack file that is
 * not committed and pushed, and commits and pushes every stage change before its update. Each test
 * works in a temporary clone of a bare "remote".
 */

const FILE = "Pulumi.staging.yaml";

/** A stack that writes the stage into the stack file (as the Automation API does) and records each update with the file's pushed content. */
class FileStack implements RolloutStack {
    readonly updates: string[] = [];
    constructor(
        private readonly dir: string,
        private readonly git: Git,
    ) {}
    async setStage(s: RolloutSettings): Promise<void> {
        const candidate = s.candidateVersion === undefined ? "" : `\n    candidateVersion: "${s.candidateVersion}"`;
        fs.writeFileSync(
            path.join(this.dir, FILE),
            `config:\n  claude-enhancer:rollout:\n    stage: ${s.stage}\n    stableVersion: "${s.stableVersion}"${candidate}\n`,
        );
    }
    async up(_onEvent: (event: ProgressEvent) => void): Promise<void> {
        // What the remote holds when the update runs: the stage must already be pushed.
        const pushed = this.git(["show", `origin/main:${FILE}`]);
        this.updates.push(/stage: (\S+)/.exec(pushed)![1]);
    }
    async outputs(): Promise<StackOutputs> {
        return {};
    }
}

describe("rollout driver: git holds the stage (bin/rolloutStack.ts)", function () {
    this.timeout(60_000);
    let root: string;
    let dir: string;
    let git: Git;

    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-git-"));
        const remote = path.join(root, "remote.git");
        gitIn(root)(["init", "--quiet", "--bare", "-b", "main", remote]);
        dir = path.join(root, "work");
        gitIn(root)(["clone", "--quiet", remote, dir]);
        git = gitIn(dir);
        git(["config", "user.email", "rollout@example.com"]);
        git(["config", "user.name", "rollout test"]);
        git(["checkout", "--quiet", "-b", "main"]);
        fs.writeFileSync(path.join(dir, FILE), 'config:\n  claude-enhancer:rollout:\n    stage: stable\n    stableVersion: "5.0.0"\n');
        git(["add", FILE]);
        git(["commit", "--quiet", "-m", "staging at stable"]);
        git(["push", "--quiet", "-u", "origin", "main"]);
    });

    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("proceeds on a committed, pushed stack file", () => {
        assert.strictEqual(inGitWorkTree(git), true);
        assert.strictEqual(stackFileProblem(git, FILE), undefined);
        assert.strictEqual(inGitWorkTree(gitIn(os.tmpdir())), false);
    });

    it("refuses a stack file with uncommitted changes", () => {
        fs.appendFileSync(path.join(dir, FILE), "    pauseBefore: []\n");
        assert.strictEqual(
            stackFileProblem(git, FILE),
            "Pulumi.staging.yaml has changes that are not committed; commit and push them first (git holds the stage: the next push would deploy the committed file, not this one)",
        );
    });

    it("refuses a committed stack file the remote does not have, and a branch without upstream", () => {
        fs.appendFileSync(path.join(dir, FILE), "    pauseBefore: []\n");
        git(["commit", "--quiet", "-am", "local only"]);
        assert.strictEqual(
            stackFileProblem(git, FILE),
            "Pulumi.staging.yaml as committed differs from origin/main; push (or pull) first, so the stage the driver starts from is the one the remote holds",
        );
        git(["checkout", "--quiet", "-b", "feature"]);
        assert.strictEqual(
            stackFileProblem(git, FILE),
            "the branch feature has no upstream, so Pulumi.staging.yaml is not pushed; push it first (git push -u <remote> <branch>)",
        );
    });

    it("commits and pushes every stage change before its update runs", async () => {
        const inner = new FileStack(dir, git);
        const stack = new GitTrackedStack(inner, git, FILE, "staging");
        const result = await runRollout(
            stack,
            {
                candidateVersion: "5.1.0",
                current: { stage: "stable", stableVersion: "5.0.0" },
                table: resolveStageTable({}, { minReplicas: 3, maxReplicas: 20 }),
                pauseBefore: [],
                yes: true,
            },
            { print: () => {}, confirm: async () => true },
        );
        assert.strictEqual(result.outcome, "promoted");
        // Every update saw its own stage already on the remote.
        assert.deepStrictEqual(inner.updates, ["canary", "canary-expand", "blue-green-prep", "full-switch", "stable"]);
        assert.deepStrictEqual(git(["log", "--format=%s", "origin/main"]).split("\n"), [
            "rollout(staging): stable 5.1.0 [skip ci]",
            "rollout(staging): full-switch 5.1.0 over 5.0.0 [skip ci]",
            "rollout(staging): blue-green-prep 5.1.0 over 5.0.0 [skip ci]",
            "rollout(staging): canary-expand 5.1.0 over 5.0.0 [skip ci]",
            "rollout(staging): canary 5.1.0 over 5.0.0 [skip ci]",
            "staging at stable",
        ]);
        assert.strictEqual(stackFileProblem(git, FILE), undefined, "the driver leaves the stack file committed and pushed");
    });

    it("runs no update when the stage change cannot be pushed", async () => {
        const inner = new FileStack(dir, git);
        git(["remote", "set-url", "origin", path.join(root, "gone.git")]);
        const stack = new GitTrackedStack(inner, git, FILE, "staging");
        await assert.rejects(
            stack.setStage({ stage: "canary", stableVersion: "5.0.0", candidateVersion: "5.1.0" }),
            /^Error: git push --quiet origin HEAD:main: /,
        );
        assert.deepStrictEqual(inner.updates, []);
    });
});

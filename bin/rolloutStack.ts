/**
 * The stack as the rollout driver and the pipeline runner drive it (rollout/driver.ts RolloutStack):
 * through the Automation API, with the policy pack and the stack's pack config on every update, and
 * with each stage change committed and pushed before its update when the project is in git.
 */
import { execFileSync } from "child_process";
import * as path from "path";
import type { Stack, UpOptions } from "@pulumi/pulumi/automation";
import { CONFIG_NAMESPACE } from "../config";
import { PROJECT_ROOT, readStackSettings } from "../config/stackFile";
import { ProgressEvent, RolloutSettings, RolloutStack, StackOutputs, isHealthGateUrn, progressFromEngineEvent } from "../rollout/driver";

/** The pack and the stack's pack config, as `pulumi up --policy-pack policies --policy-pack-config policies/config/<stack>.json`. */
export function policyPackOptions(stackName: string, root = PROJECT_ROOT): Pick<UpOptions, "policyPacks" | "policyPackConfigs"> {
    return {
        policyPacks: [path.join(root, "policies")],
        policyPackConfigs: [path.join(root, "policies", "config", `${stackName}.json`)],
    };
}

/** A stack of this project driven through the Automation API; the rollout settings live in its stack file. */
export class AutomationStack implements RolloutStack {
    constructor(
        private readonly stack: Pick<Stack, "setAllConfigJson" | "preview" | "up" | "outputs">,
        private readonly stackName: string,
        private readonly root = PROJECT_ROOT,
    ) {}

    async setStage(settings: RolloutSettings): Promise<void> {
        // Rewrite the whole `rollout:` object so its other keys (stage table, pauses) and the types of
        // its values stay as written (`config set --path` would turn a version like 5.1 into a number).
        const rollout = { ...((readStackSettings(this.stackName).rollout ?? {}) as Record<string, unknown>) };
        rollout.stage = settings.stage;
        rollout.stableVersion = settings.stableVersion;
        if (settings.candidateVersion === undefined) delete rollout.candidateVersion;
        else rollout.candidateVersion = settings.candidateVersion;
        await this.stack.setAllConfigJson(
            JSON.stringify({ [`${CONFIG_NAMESPACE}:rollout`]: { value: JSON.stringify(rollout), objectValue: rollout, secret: false } }),
        );
    }

    async up(onEvent: (event: ProgressEvent) => void): Promise<void> {
        // Preview first: the Automation API's update skips the CLI's preview, and the StageRecord refuses an
        // illegal stage only when it is registered, which in an update is after the stage's gate has run.
        await this.stack.preview({ color: "never", ...policyPackOptions(this.stackName, this.root) });
        await this.stack.up({
            color: "never",
            ...policyPackOptions(this.stackName, this.root),
            onEvent: (event) => {
                const progress = progressFromEngineEvent(event, isHealthGateUrn);
                if (progress) onEvent(progress);
            },
        });
    }

    async outputs(): Promise<StackOutputs> {
        const outputs = await this.stack.outputs();
        return { stage: outputs.stage?.value, weights: outputs.weights?.value, gateVerdict: outputs.gateVerdict?.value };
    }
}

/** `git <args>` in a directory; throws with git's own message when it fails. */
export type Git = (args: string[]) => string;

export function gitIn(dir: string): Git {
    return (args) => {
        try {
            return execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
        } catch (err) {
            const e = err as { stderr?: string; message: string };
            throw new Error(`git ${args.join(" ")}: ${(e.stderr ?? "").trim() || e.message}`, { cause: err });
        }
    };
}

export function inGitWorkTree(git: Git): boolean {
    try {
        return git(["rev-parse", "--is-inside-work-tree"]) === "true";
    } catch {
        return false;
    }
}

/** The upstream of the current branch as `{ remote, branch }`, or undefined when it has none. */
function upstream(git: Git): { remote: string; branch: string; ref: string } | undefined {
    try {
        const ref = git(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{u}"]);
        const remote = git(["config", `branch.${git(["rev-parse", "--abbrev-ref", "HEAD"])}.remote`]);
        return { remote, branch: ref.slice(remote.length + 1), ref };
    } catch {
        return undefined;
    }
}

/**
 * Why the driver must not act on the stack file (docs/rollout.md, "One source of truth"): changes not
 * committed, a branch without upstream, or a committed version the remote does not have. Undefined
 * when the file is committed and pushed.
 */
export function stackFileProblem(git: Git, file: string): string | undefined {
    if (git(["status", "--porcelain", "--", file]) !== "") {
        return `${file} has changes that are not committed; commit and push them first (git holds the stage: the next push would deploy the committed file, not this one)`;
    }
    const up = upstream(git);
    if (up === undefined) {
        return `the branch ${git(["rev-parse", "--abbrev-ref", "HEAD"])} has no upstream, so ${file} is not pushed; push it first (git push -u <remote> <branch>)`;
    }
    git(["fetch", "--quiet", up.remote, up.branch]);
    const blob = (ref: string) => {
        try {
            return git(["rev-parse", `${ref}:./${file}`]);
        } catch {
            return "(missing)";
        }
    };
    if (blob("HEAD") !== blob(up.ref)) {
        return `${file} as committed differs from ${up.ref}; push (or pull) first, so the stage the driver starts from is the one the remote holds`;
    }
    return undefined;
}

/**
 * A stack whose every stage change is a commit of its stack file, pushed before the update runs, so
 * git always holds the stage the stack is converging to. `[skip ci]` keeps the push from starting
 * the GitHub workflow's update of the same stage; the driver runs it.
 */
export class GitTrackedStack implements RolloutStack {
    constructor(
        private readonly inner: RolloutStack,
        private readonly git: Git,
        private readonly file: string,
        private readonly stackName: string,
    ) {}

    async setStage(settings: RolloutSettings): Promise<void> {
        await this.inner.setStage(settings);
        if (this.git(["status", "--porcelain", "--", this.file]) === "") return;
        const versions =
            settings.candidateVersion === undefined
                ? settings.stableVersion
                : `${settings.candidateVersion} over ${settings.stableVersion}`;
        this.git(["commit", "--quiet", "-m", `rollout(${this.stackName}): ${settings.stage} ${versions} [skip ci]`, "--", this.file]);
        const up = upstream(this.git);
        if (up === undefined) throw new Error(`cannot push the ${settings.stage} stage change: the branch has no upstream`);
        this.git(["push", "--quiet", up.remote, `HEAD:${up.branch}`]);
    }

    up(onEvent: (event: ProgressEvent) => void): Promise<void> {
        return this.inner.up(onEvent);
    }

    outputs(): Promise<StackOutputs> {
        return this.inner.outputs();
    }
}

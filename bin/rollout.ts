/**
 * `npm run rollout -- --stack <s> --version <v> [--from-stage <name>] [--yes]`
 * `npm run rollout -- --stack <s> --rollback`
 *
 * Ships `--version` through the staged rollout of docs/rollout.md with the Pulumi Automation API: one
 * `pulumi up` per stage with the stage written into `Pulumi.<stack>.yaml`, live gate progress, a
 * GO/NO-GO question before the stages `rollout.pauseBefore` names (unless --yes), the rollback update
 * when a stage fails, and promotion after full-switch. Needs the Pulumi CLI and the stack's backend.
 * Exit codes: 0 promoted (or rolled back on request), 1 a stage failed, 2 halted by a NO-GO.
 */
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import * as readline from "readline/promises";
import { parseArgs } from "util";
import { ConfigError } from "../config";
import { stageOverridesOf } from "../config/rollout";
import { PROJECT_ROOT, loadStackConfig } from "../config/stackFile";
import { RolloutIo, RolloutResult, RolloutSettings, RolloutStack, runRollback, runRollout } from "../rollout/driver";
import { isForwardStage, parseStageName, resolveStageTable } from "../rollout/stages";
import { AutomationStack, GitTrackedStack, gitIn, inGitWorkTree, stackFileProblem } from "./rolloutStack";

const USAGE = "usage: npm run rollout -- --stack <name> (--version <v> [--from-stage <stage>] [--yes] | --rollback)";

function terminal(): { io: RolloutIo; close(): void } {
    const rl = process.stdin.isTTY ? readline.createInterface({ input: process.stdin, output: process.stdout }) : undefined;
    return {
        io: {
            print: (line) => process.stdout.write(`${line}\n`),
            confirm: async (question) => {
                if (!rl) {
                    process.stdout.write(`${question}\nno terminal to answer on: NO-GO (pass --yes to run unattended)\n`);
                    return false;
                }
                return /^(y|yes|go)$/i.test((await rl.question(`${question} [y/N] `)).trim());
            },
        },
        close: () => rl?.close(),
    };
}

async function main(argv: string[]): Promise<number> {
    const { values } = parseArgs({
        args: argv,
        options: {
            stack: { type: "string" },
            version: { type: "string" },
            "from-stage": { type: "string" },
            yes: { type: "boolean", default: false },
            rollback: { type: "boolean", default: false },
        },
        strict: true,
    });
    if (!values.stack || (!values.rollback && !values.version)) throw new Error(USAGE);
    const config = loadStackConfig(values.stack);
    const current: RolloutSettings = {
        stage: config.rollout.stage,
        stableVersion: config.rollout.stableVersion,
        candidateVersion: config.rollout.candidateVersion,
    };
    const fromStage = values["from-stage"] === undefined ? undefined : parseStageName(values["from-stage"]);
    if (fromStage !== undefined && !isForwardStage(fromStage))
        throw new Error(`--from-stage takes a forward stage (canary, canary-expand, blue-green-prep, full-switch), not ${fromStage}`);

    // Git holds the stage (docs/rollout.md, "One source of truth"): act only on a committed, pushed stack
    // file, and commit and push every stage change before its update.
    const git = gitIn(PROJECT_ROOT);
    const file = `Pulumi.${values.stack}.yaml`;
    const automation = new AutomationStack(
        await LocalWorkspace.selectStack({ stackName: values.stack, workDir: PROJECT_ROOT }),
        values.stack,
    );
    let stack: RolloutStack = automation;
    if (inGitWorkTree(git)) {
        const problem = stackFileProblem(git, file);
        if (problem !== undefined) throw new Error(`refusing to drive the rollout: ${problem}`);
        stack = new GitTrackedStack(automation, git, file, values.stack);
    } else {
        process.stderr.write(`rollout: ${PROJECT_ROOT} is not in a git work tree: the stage changes stay in ${file} only\n`);
    }
    const { io, close } = terminal();
    let result: RolloutResult;
    try {
        result = values.rollback
            ? await runRollback(stack, current, io)
            : await runRollout(
                  stack,
                  {
                      candidateVersion: values.version!,
                      current,
                      table: resolveStageTable(stageOverridesOf(config.rollout), config.app.autoscaling),
                      pauseBefore: config.rollout.pauseBefore,
                      fromStage,
                      yes: values.yes,
                  },
                  io,
              );
    } finally {
        close();
    }
    (result.exitCode === 0 ? process.stdout : process.stderr).write(`${result.outcome}: ${result.message}\n`);
    return result.exitCode;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (err) => {
        process.stderr.write(`rollout: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
    },
);

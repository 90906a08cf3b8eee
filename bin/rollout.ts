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
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import * as readline from "readline/promises";
import { parseArgs } from "util";
import { CONFIG_NAMESPACE, ConfigError } from "../config";
import { stageOverridesOf } from "../config/rollout";
import { PROJECT_ROOT, loadStackConfig, readStackSettings } from "../config/stackFile";
import {
    ProgressEvent,
    RolloutIo,
    RolloutResult,
    RolloutSettings,
    RolloutStack,
    StackOutputs,
    isHealthGateUrn,
    progressFromEngineEvent,
    runRollback,
    runRollout,
} from "../rollout/driver";
import { isForwardStage, parseStageName, resolveStageTable } from "../rollout/stages";

const USAGE = "usage: npm run rollout -- --stack <name> (--version <v> [--from-stage <stage>] [--yes] | --rollback)";

/** A stack of this project driven through the Automation API; the rollout settings live in its stack file. */
class AutomationStack implements RolloutStack {
    constructor(
        private readonly stack: Stack,
        private readonly stackName: string,
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
        await this.stack.up({
            color: "never",
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

    const stack = new AutomationStack(await LocalWorkspace.selectStack({ stackName: values.stack, workDir: PROJECT_ROOT }), values.stack);
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

/**
 * The test-engine stand-in for the command resource plugin (`command:local:Command`), on the SDK's
 * provider framework: no registry here serves the upstream plugin (pulumi-command), so the e2e tier's
 * engine loads this one under the version @pulumi/command asks for. Create, update and delete run
 * their commands as upstream does; an unknown type or property fails loudly.
 */
import * as crypto from "crypto";
import type * as provider from "@pulumi/pulumi/provider";
import { containsUnknown, PropertyMap, reveal, revealAll } from "../shared/propertyValues";
import { resourceNameOf, resourceTypeOf } from "../shared/urn";
import { commandDiff } from "./commandDiff";
import { commandEnvironment } from "./commandEnvironment";
import { checkCommandInputs, COMMAND_TYPE, commandSettings, CommandSettings, loggedStreams } from "./commandInputs";
import { commandOutputs, CommandOutputs, NO_OUTPUT } from "./commandOutcome";
import type { EngineLog } from "./engineLog";
import { runCommand } from "./runCommand";

export class CommandProvider implements provider.Provider {
    private readonly cancellation = new AbortController();

    /** Without an engine log (no engine address), nothing is logged. */
    constructor(
        readonly version: string,
        private readonly engineLog?: EngineLog,
    ) {}

    async check(urn: string, _olds: PropertyMap, news: PropertyMap): Promise<provider.CheckResult> {
        expectCommand(urn);
        return { inputs: news, failures: checkCommandInputs(revealAll(news)) };
    }

    async diff(_id: string, urn: string, olds: PropertyMap, news: PropertyMap): Promise<provider.DiffResult> {
        expectCommand(urn);
        return commandDiff(revealAll(olds), revealAll(news));
    }

    async create(urn: string, inputs: PropertyMap): Promise<provider.CreateResult> {
        expectCommand(urn);
        if (containsUnknown(inputs)) throw new Error(`${COMMAND_TYPE} cannot run with inputs that are not known yet`);
        const settings = commandSettings(revealAll(inputs));
        const id = resourceNameOf(urn) + crypto.randomBytes(4).toString("hex");
        const outputs = settings.create === undefined ? NO_OUTPUT : await this.run(urn, settings.create, settings, NO_OUTPUT);
        return { id, outs: { ...inputs, ...outputs } };
    }

    /** Runs `update`, or `create` when there is no update command; with neither, the outputs stay. */
    async update(_id: string, urn: string, olds: PropertyMap, news: PropertyMap): Promise<provider.UpdateResult> {
        expectCommand(urn);
        if (containsUnknown(news)) throw new Error(`${COMMAND_TYPE} cannot run with inputs that are not known yet`);
        const settings = commandSettings(revealAll(news));
        const command = settings.update ?? settings.create;
        const outputs =
            command === undefined
                ? { stdout: olds.stdout, stderr: olds.stderr }
                : await this.run(urn, command, settings, previousOutput(olds));
        return { outs: { ...news, ...outputs } };
    }

    async delete(_id: string, urn: string, props: PropertyMap): Promise<void> {
        expectCommand(urn);
        const settings = commandSettings(revealAll(props));
        if (settings.delete !== undefined) await this.run(urn, settings.delete, settings, previousOutput(props));
    }

    async read(id: string, urn: string, props: PropertyMap): Promise<provider.ReadResult> {
        expectCommand(urn);
        return { id, props };
    }

    /** The engine is shutting down: running commands are killed, as upstream's context cancellation kills them. */
    async cancel(): Promise<void> {
        this.cancellation.abort();
    }

    private async run(urn: string, command: string, settings: CommandSettings, previous: CommandOutputs): Promise<CommandOutputs> {
        const run = await runCommand({
            command,
            interpreter: settings.interpreter,
            dir: settings.dir,
            env: commandEnvironment(process.env, settings, previous),
            stdin: settings.stdin,
            logged: loggedStreams(settings.logging),
            onLogLine: (line) => this.engineLog?.status(urn, line),
            cancellation: this.cancellation.signal,
        });
        await this.engineLog?.flushed();
        return commandOutputs(run);
    }
}

function expectCommand(urn: string): void {
    const type = resourceTypeOf(urn);
    if (type !== COMMAND_TYPE) throw new Error(`unknown resource type ${type}: the command stand-in implements ${COMMAND_TYPE}`);
}

/** The state's stdout and stderr (secret when the program asked for it, so revealed here). */
function previousOutput(state: PropertyMap): CommandOutputs {
    const text = (key: "stdout" | "stderr") => {
        const value = reveal(state[key], key);
        return typeof value === "string" ? value : "";
    };
    return { stdout: text("stdout"), stderr: text("stderr") };
}

/**
 * The environment a command runs with in the test-engine stand-in for the command plugin (no
 * registry here serves the upstream one), as pulumi-command builds it: the plugin's own environment,
 * then `environment`, then the previous create or update's output as `PULUMI_COMMAND_STDOUT` and
 * `PULUMI_COMMAND_STDERR` (each only when non-empty, unless `addPreviousOutputInEnv` is false).
 */
import type { CommandSettings } from "./commandInputs";
import type { CommandOutputs } from "./commandOutcome";

export function commandEnvironment(
    base: NodeJS.ProcessEnv,
    settings: Pick<CommandSettings, "environment" | "addPreviousOutputInEnv">,
    previous: CommandOutputs,
): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...base, ...settings.environment };
    if (settings.addPreviousOutputInEnv) {
        if (previous.stdout !== "") env.PULUMI_COMMAND_STDOUT = previous.stdout;
        if (previous.stderr !== "") env.PULUMI_COMMAND_STDERR = previous.stderr;
    }
    return env;
}

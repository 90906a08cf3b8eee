/**
 * The inputs of `command:local:Command` in the test-engine stand-in for the command plugin (no
 * registry here serves the upstream one), with pulumi-command's defaults: `/bin/sh -c` as the
 * interpreter, both streams logged, the previous run's output in the environment. `assetPaths` and
 * `archivePaths` are upstream inputs this stand-in does not implement, so they fail the check.
 */
import type { CheckFailure } from "@pulumi/pulumi/provider";
import { checkProperties, isBoolean, isList, isOneOf, isString, isStringList, isStringMap, PropertyRule } from "../shared/inputChecks";
import { PropertyMap } from "../shared/propertyValues";

export const COMMAND_TYPE = "command:local:Command";

export const LOGGING_MODES = ["stdout", "stderr", "stdoutAndStderr", "none"] as const;
export type Logging = (typeof LOGGING_MODES)[number];

export const COMMAND_INPUT_RULES: Readonly<Record<string, PropertyRule>> = {
    create: isString,
    update: isString,
    delete: isString,
    triggers: isList,
    dir: isString,
    environment: isStringMap,
    interpreter: isStringList,
    stdin: isString,
    logging: isOneOf(LOGGING_MODES),
    addPreviousOutputInEnv: isBoolean,
};

const NOT_IMPLEMENTED = "is not implemented by the command stand-in (upstream returns the matching files as assets)";
const UNSUPPORTED: Readonly<Record<string, string>> = {
    assetPaths: `assetPaths ${NOT_IMPLEMENTED}`,
    archivePaths: `archivePaths ${NOT_IMPLEMENTED}`,
};

/** Check failures of revealed inputs. */
export function checkCommandInputs(inputs: PropertyMap): CheckFailure[] {
    const failures = checkProperties(COMMAND_TYPE, inputs, COMMAND_INPUT_RULES, UNSUPPORTED);
    if (Array.isArray(inputs.interpreter) && inputs.interpreter.length === 0) {
        failures.push({ property: "interpreter", reason: "interpreter must name a program" });
    }
    return failures;
}

export interface CommandSettings {
    create?: string;
    update?: string;
    delete?: string;
    dir?: string;
    environment: Record<string, string>;
    /** The program and its arguments; the command is the last argument. */
    interpreter: string[];
    stdin?: string;
    logging: Logging;
    addPreviousOutputInEnv: boolean;
}

/** The settings of a run, from known revealed inputs or state (whose outputs it ignores). */
export function commandSettings(properties: PropertyMap): CommandSettings {
    const text = (key: string) => (typeof properties[key] === "string" ? (properties[key] as string) : undefined);
    const environment = Object.entries((properties.environment ?? {}) as Record<string, string | null>).filter(
        (entry): entry is [string, string] => entry[1] !== null,
    );
    return {
        create: text("create"),
        update: text("update"),
        delete: text("delete"),
        dir: text("dir"),
        environment: Object.fromEntries(environment),
        interpreter: (properties.interpreter as string[] | null | undefined) ?? ["/bin/sh", "-c"],
        stdin: text("stdin"),
        logging: (properties.logging as Logging | null | undefined) ?? "stdoutAndStderr",
        addPreviousOutputInEnv: (properties.addPreviousOutputInEnv as boolean | null | undefined) ?? true,
    };
}

/** Which of the command's streams go to the engine's log (the outputs hold both either way). */
export function loggedStreams(logging: Logging): { stdout: boolean; stderr: boolean } {
    return { stdout: logging === "stdout" || logging === "stdoutAndStderr", stderr: logging === "stderr" || logging === "stdoutAndStderr" };
}

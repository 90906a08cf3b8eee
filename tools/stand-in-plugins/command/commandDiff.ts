/**
 * The diff of `command:local:Command` in the test-engine stand-in for the command plugin (no registry
 * here serves the upstream one), as pulumi-command's: a change to `triggers` replaces the resource
 * (the create command runs again), a change to any other input updates it (the update command runs,
 * or the create command when there is none). Inputs are compared revealed (a secret and its plain
 * value are the same input); a value not known yet during a preview counts as changed.
 */
import type { DiffResult } from "@pulumi/pulumi/provider";
import { PropertyMap, sameValue } from "../shared/propertyValues";
import { COMMAND_INPUT_RULES } from "./commandInputs";

/** `previous` is the revealed state (inputs and outputs), `next` the revealed new inputs. */
export function commandDiff(previous: PropertyMap, next: PropertyMap): DiffResult {
    const changed = Object.keys(COMMAND_INPUT_RULES).filter((key) => !sameValue(previous[key] ?? undefined, next[key] ?? undefined));
    return { changes: changed.length > 0, replaces: changed.filter((key) => key === "triggers") };
}

/**
 * The diff of the random resources in the test-engine stand-in for the random plugin (no registry
 * here serves the upstream one): in terraform-provider-random every input forces a new resource, so a
 * changed input is a replacement and there is no in-place update. Values are compared revealed (a
 * secret and its plain value are the same input) and with defaults applied, as the old state holds
 * them; a value not known yet during a preview counts as changed.
 */
import { sameValue } from "../shared/propertyValues";

/** The inputs whose value changed, in the order of `next`. */
export function replacements(previous: Readonly<Record<string, unknown>>, next: Readonly<Record<string, unknown>>): string[] {
    return Object.keys(next).filter((key) => !sameValue(previous[key], next[key]));
}

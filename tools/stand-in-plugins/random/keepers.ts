/**
 * `keepers` of the random resources in the test-engine stand-in for the random plugin (no registry
 * here serves the upstream one): any change replaces the resource, except what terraform-provider-
 * random's RequiresReplaceIfValuesNotNull lets pass, entries whose value is null (an unset entry is no
 * entry), and no map against an empty one.
 */
import { isObject } from "../shared/propertyValues";

/** The revealed keepers as compared for replacement; a value not known yet is kept as it is. */
export function normalizeKeepers(keepers: unknown): unknown {
    if (keepers === undefined || keepers === null) return {};
    if (!isObject(keepers)) return keepers;
    return Object.fromEntries(Object.entries(keepers).filter(([, value]) => value !== null));
}

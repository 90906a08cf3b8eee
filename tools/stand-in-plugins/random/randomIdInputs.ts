/**
 * The inputs of `RandomId` in the test-engine stand-in for the random plugin (no registry here serves
 * the upstream one): `byteLength` (required, at least 1: "the minimum value is 1" in upstream's
 * schema), `prefix` and `keepers`.
 */
import type { CheckFailure } from "@pulumi/pulumi/provider";
import { checkProperties, isInteger, isString, isStringMap, PropertyRule } from "../shared/inputChecks";
import { PropertyMap } from "../shared/propertyValues";
import { normalizeKeepers } from "./keepers";

const isByteLength: PropertyRule = (value) => isInteger(value) ?? ((value as number) < 1 ? "must be at least 1" : undefined);

const RANDOM_ID_INPUT_RULES: Readonly<Record<string, PropertyRule>> = { keepers: isStringMap, byteLength: isByteLength, prefix: isString };

/** Check failures of revealed inputs. */
export function checkRandomIdInputs(type: string, inputs: PropertyMap): CheckFailure[] {
    const failures = checkProperties(type, inputs, RANDOM_ID_INPUT_RULES);
    if (failures.length === 0 && (inputs.byteLength === undefined || inputs.byteLength === null)) {
        failures.push({ property: "byteLength", reason: "byteLength is required" });
    }
    return failures;
}

/** Every input as the resource uses it, from revealed inputs or from the state. */
export function randomIdInputValues(properties: PropertyMap): Record<string, unknown> {
    return {
        keepers: normalizeKeepers(properties.keepers),
        byteLength: properties.byteLength,
        prefix: properties.prefix ?? "",
    };
}

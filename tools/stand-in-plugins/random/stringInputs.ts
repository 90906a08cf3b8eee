/**
 * The inputs of `RandomPassword` and `RandomString` in the test-engine stand-in for the random plugin
 * (no registry here serves the upstream one): their rules, terraform-provider-random's defaults (every
 * class on, no minimums, the default special characters) and its validators (length at least 1 and at
 * least the sum of the minimums, `number` and `numeric` not contradicting each other, some class on).
 */
import type { CheckFailure } from "@pulumi/pulumi/provider";
import { checkProperties, isBoolean, isInteger, isString, isStringMap, PropertyRule } from "../shared/inputChecks";
import { containsUnknown, PropertyMap } from "../shared/propertyValues";
import { normalizeKeepers } from "./keepers";
import type { StringSettings } from "./randomString";

const isCount: PropertyRule = (value) => isInteger(value) ?? ((value as number) < 0 ? "must not be negative" : undefined);

const STRING_INPUT_RULES: Readonly<Record<string, PropertyRule>> = {
    keepers: isStringMap,
    length: isInteger,
    lower: isBoolean,
    upper: isBoolean,
    numeric: isBoolean,
    number: isBoolean,
    special: isBoolean,
    minLower: isCount,
    minUpper: isCount,
    minNumeric: isCount,
    minSpecial: isCount,
    overrideSpecial: isString,
};

const MINIMUMS = ["minUpper", "minLower", "minNumeric", "minSpecial"] as const;

/** Check failures of revealed inputs; the cross-property checks wait until their values are known. */
export function checkStringInputs(type: string, inputs: PropertyMap): CheckFailure[] {
    const failures = checkProperties(type, inputs, STRING_INPUT_RULES);
    if (failures.length > 0) return failures;
    if (inputs.length === undefined || inputs.length === null) return [{ property: "length", reason: "length is required" }];
    const values = stringInputValues(inputs);
    const known = (...keys: string[]) => keys.every((key) => !containsUnknown(values[key]));
    if (known("length") && (values.length as number) < 1) {
        failures.push({ property: "length", reason: "length must be at least 1" });
    }
    if (known("length", ...MINIMUMS)) {
        const sum = MINIMUMS.reduce((total, key) => total + (values[key] as number), 0);
        if ((values.length as number) < sum) {
            failures.push({ property: "length", reason: `length must be at least the sum of ${MINIMUMS.join(" + ")} (${sum})` });
        }
    }
    if (typeof inputs.number === "boolean" && typeof inputs.numeric === "boolean" && inputs.number !== inputs.numeric) {
        failures.push({
            property: "numeric",
            reason: "number and numeric are both configured with different values; number is deprecated, use numeric",
        });
    }
    const classes = ["lower", "upper", "numeric", "special"];
    if (known(...classes) && classes.every((key) => values[key] === false)) {
        failures.push({ property: "special", reason: `at least one of ${classes.join(", ")} must be true` });
    }
    return failures;
}

/**
 * Every input as the resource uses it, from revealed inputs or from the state, which holds the
 * defaults: unset inputs take their default, `number` and `numeric` take each other's value.
 */
export function stringInputValues(properties: PropertyMap): Record<string, unknown> {
    const given = (key: string) => (properties[key] === null ? undefined : properties[key]);
    const numeric = given("numeric") ?? given("number") ?? true;
    return {
        keepers: normalizeKeepers(properties.keepers),
        length: given("length"),
        lower: given("lower") ?? true,
        upper: given("upper") ?? true,
        numeric,
        number: given("number") ?? numeric,
        special: given("special") ?? true,
        minLower: given("minLower") ?? 0,
        minUpper: given("minUpper") ?? 0,
        minNumeric: given("minNumeric") ?? 0,
        minSpecial: given("minSpecial") ?? 0,
        overrideSpecial: given("overrideSpecial") ?? "",
    };
}

/** The settings a string is drawn with, from known revealed inputs. */
export function stringSettings(inputs: PropertyMap): StringSettings {
    const values = stringInputValues(inputs);
    return {
        length: values.length as number,
        lower: values.lower as boolean,
        upper: values.upper as boolean,
        numeric: values.numeric as boolean,
        special: values.special as boolean,
        minLower: values.minLower as number,
        minUpper: values.minUpper as number,
        minNumeric: values.minNumeric as number,
        minSpecial: values.minSpecial as number,
        overrideSpecial: values.overrideSpecial as string,
    };
}

/**
 * The inputs as the state keeps them: each given input as it came (a secret stays wrapped), the
 * defaults of the unset ones as upstream's state holds them; unset keepers and overrideSpecial stay unset.
 */
export function stringInputOutputs(inputs: PropertyMap, revealed: PropertyMap): PropertyMap {
    const values = stringInputValues(revealed);
    const outputs: PropertyMap = {};
    for (const key of Object.keys(values)) {
        const mirrored = key === "number" ? "numeric" : key === "numeric" ? "number" : undefined;
        const given = [key, mirrored].find((k) => k !== undefined && inputs[k] !== undefined && inputs[k] !== null);
        if (given !== undefined) outputs[key] = inputs[given];
        else if (key !== "keepers" && key !== "overrideSpecial") outputs[key] = values[key];
    }
    return outputs;
}

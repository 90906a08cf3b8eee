/**
 * Input checks shared by the test-engine stand-ins for the random and command plugins (no registry
 * here serves the upstream ones): a property a stand-in does not know or does not implement fails the
 * check by name, so the program can never rely on an input that is silently ignored. Reasons name
 * types, never values (a value may be a secret).
 */
import type { CheckFailure } from "@pulumi/pulumi/provider";
import { isObject, isUnknown, PropertyMap } from "./propertyValues";

/** Why a known, non-null value is not acceptable, or undefined when it is. */
export type PropertyRule = (value: unknown) => string | undefined;

/**
 * Failures of a revealed property bag against the rules of its type: every property must have a
 * rule, and every known, non-null value must pass it (null is an unset input, as for the upstream
 * plugins; unknown values are checked again once known).
 */
export function checkProperties(
    type: string,
    properties: PropertyMap,
    rules: Readonly<Record<string, PropertyRule>>,
    unsupported: Readonly<Record<string, string>> = {},
): CheckFailure[] {
    const failures: CheckFailure[] = [];
    for (const [property, value] of Object.entries(properties)) {
        if (!Object.hasOwn(rules, property)) {
            const reason = Object.hasOwn(unsupported, property)
                ? unsupported[property]
                : `unknown property "${property}" of ${type}; it takes ${Object.keys(rules).join(", ")}`;
            failures.push({ property, reason });
            continue;
        }
        if (value === null || isUnknown(value)) continue;
        const reason = rules[property](value);
        if (reason !== undefined) failures.push({ property, reason: `${property} ${reason}` });
    }
    return failures;
}

export const isString: PropertyRule = (value) => (typeof value === "string" ? undefined : `must be a string, not ${kindOf(value)}`);

export const isBoolean: PropertyRule = (value) => (typeof value === "boolean" ? undefined : `must be a boolean, not ${kindOf(value)}`);

export const isInteger: PropertyRule = (value) => (Number.isInteger(value) ? undefined : `must be an integer, not ${kindOf(value)}`);

export function isOneOf(allowed: readonly string[]): PropertyRule {
    return (value) => (typeof value === "string" && allowed.includes(value) ? undefined : `must be one of ${allowed.join(", ")}`);
}

/** A map of strings; an entry may be null (unset) or not known yet. */
export const isStringMap: PropertyRule = (value) => {
    if (!isObject(value)) return `must be a map of strings, not ${kindOf(value)}`;
    const wrong = Object.entries(value).find(([, v]) => v !== null && !isUnknown(v) && typeof v !== "string");
    return wrong === undefined ? undefined : `must be a map of strings; "${wrong[0]}" is ${kindOf(wrong[1])}`;
};

/** A list of strings; an element may not be known yet. */
export const isStringList: PropertyRule = (value) => {
    if (!Array.isArray(value)) return `must be a list of strings, not ${kindOf(value)}`;
    const wrong = value.findIndex((v) => !isUnknown(v) && typeof v !== "string");
    return wrong < 0 ? undefined : `must be a list of strings; element ${wrong} is ${kindOf(value[wrong])}`;
};

export const isList: PropertyRule = (value) => (Array.isArray(value) ? undefined : `must be a list, not ${kindOf(value)}`);

function kindOf(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "a list";
    if (typeof value === "object") return "a map";
    if (typeof value === "number" && !Number.isInteger(value)) return "a fractional number";
    return `a ${typeof value}`;
}

import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { APP_NAME } from "../identity";

/** The Pulumi config namespace every stack key lives under. */
export const CONFIG_NAMESPACE = APP_NAME;

/**
 * Raised when stack configuration does not match the schema. Its message lists every problem as
 * `claude-enhancer:<key.path>: got <value>; expected <what>` so `pulumi preview` fails at once with
 * something a platform engineer can act on, not a stack trace from inside a component (a RunError is
 * printed by the Pulumi language host without its stack).
 */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: string[]) {
        super(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

function describeValue(value: unknown): string {
    if (value === undefined) return "nothing (the key is missing)";
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
    let current: unknown = root;
    for (const key of path) {
        if (current === null || typeof current !== "object") return undefined;
        current = (current as Record<PropertyKey, unknown>)[key];
    }
    return current;
}

function formatPath(path: PropertyKey[]): string {
    const [top, ...rest] = path.map(String);
    let text = `${CONFIG_NAMESPACE}:${top ?? ""}`;
    for (const key of rest) text += /^\d+$/.test(key) ? `[${key}]` : `.${key}`;
    return text;
}

/** What the schema wanted, in words; schema-supplied messages (regexes, refinements) are already phrased so. */
function expectation(issue: z.core.$ZodIssue): string {
    switch (issue.code) {
        case "invalid_type":
            return `a value of type ${issue.expected}`;
        case "too_small":
            return issue.origin === "array" || issue.origin === "string"
                ? `at least ${issue.minimum} ${issue.origin === "array" ? "item(s)" : "character(s)"}`
                : `a number ${issue.inclusive ? ">=" : ">"} ${issue.minimum}`;
        case "too_big":
            return issue.origin === "array" || issue.origin === "string"
                ? `at most ${issue.maximum} ${issue.origin === "array" ? "item(s)" : "character(s)"}`
                : `a number ${issue.inclusive ? "<=" : "<"} ${issue.maximum}`;
        case "invalid_value":
            return `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
        case "not_multiple_of":
            return `a multiple of ${issue.divisor}`;
        default:
            return issue.message;
    }
}

/** One line per zod issue: key path, the value found there, and what the schema expected. */
export function formatIssues(error: z.ZodError, input: unknown): string[] {
    return error.issues.map((issue) => {
        // For unknown keys zod reports the parent path; name the offending keys themselves.
        if (issue.code === "unrecognized_keys") {
            return issue.keys
                .map((key) => `${formatPath([...issue.path, key])}: unknown key; check its spelling or remove it`)
                .join("\n  - ");
        }
        const value = valueAt(input, issue.path);
        return `${formatPath(issue.path)}: got ${describeValue(value)}; expected ${expectation(issue)}`;
    });
}

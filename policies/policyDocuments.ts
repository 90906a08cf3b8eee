/**
 * Reading IAM policy documents (role trust policies, inline policies, OpenSearch access policies),
 * which the AWS SDK takes either as JSON text or as an object.
 */

export interface PolicyStatement {
    Sid?: string;
    Effect?: string;
    Principal?: string | Record<string, string | string[]>;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of a policy document given as JSON text or as an object; undefined when it is neither. */
export function statementsOf(document: unknown): PolicyStatement[] | undefined {
    let parsed: unknown = document;
    if (typeof document === "string") {
        try {
            parsed = JSON.parse(document);
        } catch {
            return undefined;
        }
    }
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const statement = (parsed as { Statement?: PolicyStatement | PolicyStatement[] }).Statement;
    if (statement === undefined) return [];
    return Array.isArray(statement) ? statement : [statement];
}

/** A string-or-list policy element as a list. */
export function listOf(value: string | string[] | undefined): string[] {
    if (value === undefined) return [];
    return Array.isArray(value) ? [...value] : [value];
}

/** `Sid` or position of a statement, for messages. */
export function statementLabel(statement: PolicyStatement, index: number): string {
    return statement.Sid ? `statement ${statement.Sid}` : `statement ${index + 1}`;
}

/** True when a statement's principal is everyone: `"*"` or `{ AWS: "*" }`. */
export function trustsEveryone(statement: PolicyStatement): boolean {
    const principal = statement.Principal;
    if (principal === undefined) return false;
    if (typeof principal === "string") return principal === "*";
    return Object.values(principal).some((p) => listOf(p).includes("*"));
}

/** True when a policy document denies requests that do not use TLS (aws:SecureTransport = false). */
export function deniesInsecureTransport(document: unknown): boolean {
    return (statementsOf(document) ?? []).some(
        (s) => s.Effect === "Deny" && ["false", false].includes(s.Condition?.Bool?.["aws:SecureTransport"] as string | boolean),
    );
}

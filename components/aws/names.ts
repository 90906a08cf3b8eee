import * as pulumi from "@pulumi/pulumi";

/** Names of AWS resources: the stack's stem and the services' length limits. */

/**
 * `<project>-<stack>` as AWS resource identifiers accept it (lowercase letters, digits, single
 * hyphens, starting with a letter), the stem of every name the data stores give their resources.
 */
export function stackPrefix(project: string, stack: string): string {
    const prefix = `${project}-${stack}`
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-+/g, "-")
        .replace(/^[^a-z]+|-+$/g, "");
    if (prefix === "") throw new Error(`project "${project}" and stack "${stack}" give no usable resource name`);
    return prefix;
}

/** The prefix of the running stack. */
export function currentStackPrefix(): string {
    return stackPrefix(pulumi.getProject(), pulumi.getStack());
}

/** Fails with a clear message when a generated identifier exceeds the service's limit. */
export function checkedIdentifier(identifier: string, maxLength: number, what: string): string {
    if (identifier.length > maxLength) {
        throw new Error(`${what} "${identifier}" is ${identifier.length} characters; AWS allows ${maxLength}. Use a shorter stack name.`);
    }
    return identifier;
}

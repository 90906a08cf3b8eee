/**
// Not named waivers.ts: Node resolves "./waivers" to waivers.json first.
 * The one reviewed place for accepted security findings (waivers.json): read by the pack (a waived
 * policy report is dropped) and by the scanner tier (a waived Checkov finding does not fail it, and a
 * waiver matching no finding does). docs/security.md lists them.
 */
import waiverFile from "./waivers.json";

export interface Waiver {
    /** A Checkov check id (`CKV_K8S_43`) or a policy name of this pack (`aws-ec2-imdsv2`). */
    check: string;
    /** Checkov: `Kind namespace/name`; pack: the resource's logical name. `*` matches any run of characters. */
    object: string;
    stacks: string[];
    reason: string;
}

export const waivers: readonly Waiver[] = (waiverFile as { waivers: Waiver[] }).waivers;

/** `*` as a wildcard, everything else literal. */
export function globMatches(pattern: string, value: string): boolean {
    const escaped = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
    return new RegExp(`^${escaped.join(".*")}$`).test(value);
}

/** The waiver covering a finding, if any. */
export function waiverFor(list: readonly Waiver[], check: string, object: string, stack: string): Waiver | undefined {
    return list.find((w) => w.check === check && w.stacks.includes(stack) && globMatches(w.object, object));
}

/** The stack and logical name in a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackAndName(urn: string): { stack: string; name: string } {
    const [, , stack] = urn.split("::")[0].split(":");
    return { stack, name: urn.slice(urn.lastIndexOf("::") + 2) };
}

import { z } from "zod";

/**
 * Where every Helm chart of the program comes from when `charts.mirror` is set (docs/configuration.md,
 * Air-gapped clusters): the same chart names and versions as the public repositories, from one place.
 * `location` is the configured value (an OCI registry without a trailing slash).
 */
export type ChartMirror =
    /** A Helm chart repository: its index.yaml lists the charts. */
    | { kind: "repository"; location: string }
    /** An OCI registry path: chart `<name>` version `<v>` is `<location>/<name>:<v>`. */
    | { kind: "oci"; location: string }
    /** A directory of `<name>-<version>.tgz` files: absolute, or relative to the project directory. */
    | { kind: "directory"; location: string };

export const CHART_MIRROR_EXPECTATION =
    "an https:// Helm repository URL (the policy pack refuses plain http), an oci:// registry such as oci://registry.example.com/charts, " +
    "or a directory of <chart>-<version>.tgz files (absolute, or relative to the project directory such as ./charts)";

/** An OCI registry host (with an optional port) and repository path; the distribution spec allows lowercase paths only. */
const OCI_REFERENCE = /^oci:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*$/;

/**
 * The mirror a `charts.mirror` value names, or undefined when it names none. A relative directory must
 * start with ./ or ../ (as Helm tells a chart path from a chart name), so a URL missing its scheme is
 * refused rather than read as a directory.
 */
export function chartMirrorOf(value: string): ChartMirror | undefined {
    if (value.startsWith("https://"))
        return URL.canParse(value) && new URL(value).hostname ? { kind: "repository", location: value } : undefined;
    if (value.startsWith("oci://")) {
        const location = value.replace(/\/+$/, "");
        return OCI_REFERENCE.test(location) ? { kind: "oci", location } : undefined;
    }
    if (/^(\/|\.\.?\/)/.test(value)) return { kind: "directory", location: value };
    return undefined;
}

/** Helm charts (docs/configuration.md, Air-gapped clusters: charts from a mirror). */
export const ChartsSchema = z.strictObject({
    /**
     * Unset: each chart from its public repository. Set: every chart, same name and version, from this
     * mirror; a preview fails when the mirror lacks one.
     */
    mirror: z
        .string()
        .transform((value, ctx) => {
            const mirror = chartMirrorOf(value);
            if (!mirror) ctx.addIssue({ code: "custom", message: CHART_MIRROR_EXPECTATION });
            return mirror ?? z.NEVER;
        })
        .optional(),
});

export type ChartsConfig = z.infer<typeof ChartsSchema>;

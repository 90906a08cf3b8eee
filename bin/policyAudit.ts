/**
 * Offline policy audit of an existing stack:
 *
 *   npm run policy:audit -- <stack-export.json> [--config policies/config/<stack>.json] [--json]
 *
 * Reads `pulumi stack export` output, runs every resource policy of the pack on each resource's
 * inputs and every stack policy on the outputs (the same policy objects `pulumi preview
 * --policy-pack policies` serves), prints the violations as CrossGuard does, and exits 1 when any is
 * mandatory, 0 otherwise, 2 when the export or the config cannot be read (3 if a policy itself fails).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Diagnostic, PolicyConfigError, analyzeStack, reconcileConfig } from "../policies/analyzer";
import { pack } from "../policies/pack";
import { StackExportError, parseStackExport } from "../policies/stackExport";

const USAGE = "usage: npm run policy:audit -- <stack-export.json> [--config policies/config/<stack>.json] [--json]";

class UsageError extends Error {}

function readJson(path: string, what: string): { text: string; json: unknown } {
    let text: string;
    try {
        text = readFileSync(path, "utf8");
    } catch (e) {
        throw new UsageError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
        return { text, json: JSON.parse(text) };
    } catch (e) {
        throw new UsageError(`${what} ${path} is not JSON: ${(e as Error).message}`);
    }
}

/** `type: name` of a URN, as the Pulumi CLI shows a violating resource. */
function resourceClause(urn: string | undefined): string {
    if (!urn) return "";
    const parts = urn.split("::");
    const type = parts[parts.length - 2]?.split("$").pop();
    return `  (${type}: ${parts[parts.length - 1]})`;
}

/** The violations as `pulumi preview` prints them under "Policies:", each with its resource URN. */
export function formatViolations(diagnostics: Diagnostic[], packLabel: string): string {
    const mandatory = diagnostics.some((d) => d.enforcementLevel === "mandatory");
    const mark = mandatory ? "❌" : diagnostics.length > 0 ? "⚠️" : "✅";
    const lines = ["Policies:", `    ${mark} ${packLabel}`];
    const sorted = [...diagnostics].sort((a, b) =>
        a.enforcementLevel === b.enforcementLevel ? a.policyName.localeCompare(b.policyName) : a.enforcementLevel === "mandatory" ? -1 : 1,
    );
    for (const d of sorted) {
        const severity = d.severity ? ` [severity: ${d.severity}]` : "";
        lines.push(`        - [${d.enforcementLevel}]${severity}  ${d.policyName}${resourceClause(d.urn)}`);
        if (d.urn) lines.push(`          urn: ${d.urn}`);
        for (const line of d.message.split("\n")) lines.push(`          ${line}`);
    }
    const advisory = diagnostics.length - diagnostics.filter((d) => d.enforcementLevel === "mandatory").length;
    lines.push("", `${diagnostics.length - advisory} mandatory, ${advisory} advisory violation(s).`);
    return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
    let exportPath: string;
    let configPath: string | undefined;
    let json: boolean;
    try {
        const { values, positionals } = parseArgs({
            args: argv,
            options: { config: { type: "string" }, json: { type: "boolean", default: false } },
            allowPositionals: true,
        });
        if (positionals.length !== 1)
            throw new UsageError(
                positionals.length === 0 ? "no stack export given" : `one stack export expected, got ${positionals.length}`,
            );
        exportPath = positionals[0];
        configPath = values.config;
        json = values.json ?? false;
    } catch (e) {
        console.error(`policy audit: ${(e as Error).message}\n${USAGE}`);
        return 2;
    }
    try {
        const exported = readJson(exportPath, "stack export");
        const resources = parseStackExport(exported.text);
        const config = reconcileConfig(pack, configPath ? readJson(configPath, "policy config").json : {});
        const report = await analyzeStack(pack, resources, config);
        if (json) console.log(JSON.stringify(report.diagnostics, null, 2));
        else
            console.log(
                formatViolations(
                    report.diagnostics,
                    `${pack.name}@v${pack.version} (${resources.length} resources${configPath ? `, config ${configPath}` : ""})`,
                ),
            );
        return report.diagnostics.some((d) => d.enforcementLevel === "mandatory") ? 1 : 0;
    } catch (e) {
        if (e instanceof StackExportError) {
            console.error(`policy audit: cannot read stack export ${exportPath}: ${e.message}`);
            return 2;
        }
        if (e instanceof UsageError || e instanceof PolicyConfigError) {
            console.error(`policy audit: ${e.message}`);
            return 2;
        }
        throw e;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => (process.exitCode = code),
        (e) => {
            // A policy that throws is a defect of the pack, not of the input: neither 1 nor 2.
            console.error("policy audit: internal error:", e);
            process.exitCode = 3;
        },
    );
}

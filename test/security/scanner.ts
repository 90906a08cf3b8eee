/**
 * The scanner tier's logic: Checkov (pinned, in .tools/checkov-venv, `npm run checkov:setup`) over a
 * folder of rendered objects, its results mapped back to the objects and stacks, and judged against
 * policies/waivers.json: an unwaived failure fails the tier, and so does a waiver no finding matches.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { Waiver, waiverFor } from "../../policies/waiving";
import type { RenderedObject } from "./render";

export const CHECKOV = resolve(__dirname, "../../.tools/checkov-venv/bin/checkov");
/** The product's own Checkov checks (TLS verification in generated scripts). */
export const EXTERNAL_CHECKS = join(__dirname, "checks");

export interface CheckResult {
    check: string;
    title: string;
    stack: string;
    /** `Kind namespace/name`. */
    object: string;
    passed: boolean;
}

interface CheckovJson {
    results: { passed_checks: CheckovCheck[]; failed_checks: CheckovCheck[]; parsing_errors: string[] };
}
interface CheckovCheck {
    check_id: string;
    check_name: string;
    file_path: string;
}

/**
 * Runs Checkov once over `dir` (it takes seconds to start) and maps each result to the object of its
 * file. Not `--quiet`: the per-stack pass counts need the passed checks too.
 */
export async function runCheckov(dir: string, files: Map<string, RenderedObject>): Promise<CheckResult[]> {
    if (!existsSync(CHECKOV)) throw new Error(`${CHECKOV} is missing: run \`npm run checkov:setup\``);
    const args = ["-d", dir, "--framework", "kubernetes", "--output", "json", "--skip-download", "--external-checks-dir", EXTERNAL_CHECKS];
    // Exit code 1 means "some check failed"; the JSON says which.
    const { stdout } = await promisify(execFile)(CHECKOV, args, { maxBuffer: 256 * 1024 * 1024 }).catch(
        (error: { code?: number; stdout?: string; stderr?: string }) => {
            if (error.code === 1 && error.stdout) return { stdout: error.stdout };
            throw new Error(`checkov failed (exit ${error.code}): ${error.stderr}`);
        },
    );
    const parsed = JSON.parse(stdout) as CheckovJson | CheckovJson[] | { summary: { resource_count: number } };
    if (!("results" in parsed) && !Array.isArray(parsed)) return []; // nothing scannable in the folder
    const report = Array.isArray(parsed) ? parsed[0] : parsed;
    if (report.results.parsing_errors.length > 0) throw new Error(`checkov could not parse ${report.results.parsing_errors.join(", ")}`);
    const toResult = (c: CheckovCheck, passed: boolean): CheckResult => {
        const rendered = files.get(c.file_path.replace(/^\//, ""));
        if (!rendered) throw new Error(`checkov reported ${c.check_id} on ${c.file_path}, which the tier did not write`);
        return { check: c.check_id, title: c.check_name, stack: rendered.stack, object: rendered.name, passed };
    };
    return [...report.results.passed_checks.map((c) => toResult(c, true)), ...report.results.failed_checks.map((c) => toResult(c, false))];
}

export interface Verdict {
    /** Failed checks no waiver covers: each fails the tier. */
    unwaived: string[];
    /** Waivers (per stack) that match no failed check: each fails the tier. */
    stale: string[];
    counts: Record<string, { objects: number; passed: number; failed: number; waived: number }>;
}

const describeFinding = (r: CheckResult) => `${r.stack}: ${r.check} (${r.title}) on ${r.object}`;

/** Judges scanner results against the waivers of the Checkov checks. */
export function judge(results: CheckResult[], rendered: RenderedObject[], list: readonly Waiver[], stacks: readonly string[]): Verdict {
    const verdict: Verdict = { unwaived: [], stale: [], counts: {} };
    for (const stack of stacks) {
        verdict.counts[stack] = { objects: rendered.filter((r) => r.stack === stack).length, passed: 0, failed: 0, waived: 0 };
    }
    const used = new Set<string>();
    for (const r of results) {
        const count = verdict.counts[r.stack];
        if (r.passed) {
            count.passed++;
            continue;
        }
        count.failed++;
        const waiver = waiverFor(list, r.check, r.object, r.stack);
        if (!waiver) {
            verdict.unwaived.push(describeFinding(r));
            continue;
        }
        count.waived++;
        used.add(`${list.indexOf(waiver)} ${r.stack}`);
    }
    list.forEach((w, i) => {
        if (!w.check.startsWith("CKV")) return; // the pack's waivers are judged by the pack tier
        for (const stack of w.stacks.filter((s) => stacks.includes(s)))
            if (!used.has(`${i} ${stack}`)) verdict.stale.push(`${stack}: waiver ${w.check} on ${w.object} matches no finding`);
    });
    return verdict;
}

/** A report of a pack policy, as a pack waiver names it: the policy, the resource's logical name, the stack. */
export interface PackReport {
    policy: string;
    name: string;
    stack: string;
}

/**
 * Waivers of pack policies (per stack) that match no report of the unwaived policy in the stacks they
 * name: each fails the tier, as a stale Checkov waiver does.
 */
export function stalePackWaivers(reports: PackReport[], list: readonly Waiver[], stacks: readonly string[]): string[] {
    const stale: string[] = [];
    for (const w of list.filter((w) => !w.check.startsWith("CKV"))) {
        for (const stack of w.stacks.filter((s) => stacks.includes(s))) {
            if (!reports.some((r) => r.policy === w.check && r.stack === stack && waiverFor([w], r.policy, r.name, r.stack)))
                stale.push(`${stack}: waiver ${w.check} on ${w.object} matches no report of the pack`);
        }
    }
    return stale;
}

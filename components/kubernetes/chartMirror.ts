import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import type { ChartMirror } from "../../config/charts";
import { CONFIG_NAMESPACE, ConfigError } from "../../config/errors";
import { ChartRef, chartArchive } from "./chartSource";

/**
 * Whether `charts.mirror` holds every chart the stack installs, asked once per run before anything of
 * the cluster is registered (docs/configuration.md, Air-gapped clusters). Without it a missing chart
 * surfaces as a Helm download error per release, deep in the preview.
 */

/** How long one request to the mirror may take; a mirror on the platform's network answers in milliseconds. */
export const MIRROR_TIMEOUT_MS = 10_000;

export interface HttpAnswer {
    status: number;
    header(name: string): string | null;
    body: string;
}

/** One GET that settles within its bound, rejecting with the reason in words; injected so tests choose what answers. */
export type HttpGet = (url: string, headers?: Record<string, string>) => Promise<HttpAnswer>;

/** The real GET (Node's fetch), bounded by `timeoutMs` including the body. */
export function fetchGet(timeoutMs = MIRROR_TIMEOUT_MS): HttpGet {
    return async (url, headers = {}) => {
        try {
            const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
            const body = await response.text();
            return { status: response.status, header: (name) => response.headers.get(name), body };
        } catch (err) {
            const e = err as Error & { cause?: { code?: string; message?: string } };
            if (e.name === "TimeoutError") throw new Error(`no answer within ${timeoutMs / 1000} s`, { cause: err });
            throw new Error(e.cause?.code ?? e.cause?.message ?? e.message, { cause: err });
        }
    };
}

export interface MirrorVerdict {
    /** One line per missing chart or unreadable mirror, in ConfigError's `key: got value; expected what` form. */
    problems: string[];
    /** Charts that could not be checked (a registry that wants credentials). */
    warnings: string[];
}

export interface MirrorCheckOptions {
    get?: HttpGet;
    /** What a relative directory is relative to: the project directory, where Pulumi runs the program and the Kubernetes provider. */
    root?: string;
}

function problem(mirror: ChartMirror, expected: string): string {
    return `${CONFIG_NAMESPACE}:charts.mirror: got ${JSON.stringify(mirror.location)}; expected ${expected}`;
}

function missing(mirror: ChartMirror, chart: ChartRef, finding: string, fix: string): string {
    return problem(mirror, `a mirror holding chart ${chart.name} version ${chart.version} (${finding}; add it with: ${fix})`);
}

/** What a mirror has of a chart instead, shortened: a public repository's index lists hundreds of versions. */
function versionList(versions: string[]): string {
    return versions.length > 10 ? `${versions.slice(0, 10).join(", ")}, … (${versions.length} in all)` : versions.join(", ");
}

/** The public chart's download, the first step of every fix. */
function pull(chart: ChartRef, destination = "."): string {
    return `helm pull ${chart.name} --repo ${chart.repo} --version ${chart.version} --destination ${destination}`;
}

function checkDirectory(charts: ChartRef[], mirror: ChartMirror, root: string): MirrorVerdict {
    const dir = path.resolve(root, mirror.location);
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
        return { problems: [problem(mirror, `a directory of <chart>-<version>.tgz files (${dir} is not a directory)`)], warnings: [] };
    }
    const problems = charts
        .filter((chart) => !fs.statSync(path.join(dir, chartArchive(chart)), { throwIfNoEntry: false })?.isFile())
        .map((chart) => missing(mirror, chart, `no file ${path.join(dir, chartArchive(chart))}`, pull(chart, dir)));
    return { problems, warnings: [] };
}

/** The versions of each chart a Helm repository index lists. */
function indexVersions(text: string): Map<string, string[]> | undefined {
    try {
        const index = parse(text) as { entries?: Record<string, { version?: unknown }[] | null> } | null;
        if (!index || typeof index.entries !== "object" || index.entries === null) return undefined;
        return new Map(Object.entries(index.entries).map(([name, list]) => [name, (list ?? []).map((e) => String(e.version))]));
    } catch {
        return undefined;
    }
}

async function checkRepository(charts: ChartRef[], mirror: ChartMirror, get: HttpGet): Promise<MirrorVerdict> {
    const url = `${mirror.location.replace(/\/+$/, "")}/index.yaml`;
    const unreadable = (reason: string) => ({
        problems: [problem(mirror, `a Helm repository this machine can read (GET ${url}: ${reason})`)],
        warnings: [],
    });
    let answer: HttpAnswer;
    try {
        answer = await get(url);
    } catch (err) {
        return unreadable((err as Error).message);
    }
    if (answer.status !== 200) return unreadable(`HTTP ${answer.status}`);
    const versions = indexVersions(answer.body);
    if (!versions) return unreadable("not a Helm repository index");
    const problems = charts
        .filter((chart) => !versions.get(chart.name)?.includes(chart.version))
        .map((chart) => {
            const listed = versions.get(chart.name);
            const finding = listed?.length
                ? `index.yaml lists ${chart.name} ${versionList(listed)}`
                : `index.yaml lists no chart ${chart.name}`;
            return missing(mirror, chart, finding, `${pull(chart)}, then upload ${chartArchive(chart)} to the repository`);
        });
    return { problems, warnings: [] };
}

/** The parameters of a `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` challenge. */
export function bearerChallenge(header: string | null): Record<string, string> | undefined {
    if (!header || !/^Bearer\s/i.test(header)) return undefined;
    const params = Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    return params.realm ? params : undefined;
}

/** The fields of a JSON body; none when it is not JSON. */
function jsonOf<T>(body: string): Partial<T> {
    try {
        return (JSON.parse(body) ?? {}) as Partial<T>;
    } catch {
        return {};
    }
}

type TagsResult = { tags: string[] } | { absent: true } | { unverifiable: string } | { failed: string };

/**
 * The tags of one repository of an OCI registry (the distribution API's tag list, followed across
 * pages). A registry that answers 401 with a Bearer challenge gets the token an anonymous client gets
 * (what public and pull-anonymous registries hand out); one that still refuses wants credentials.
 */
async function registryTags(get: HttpGet, host: string, repository: string): Promise<TagsResult> {
    let url = `https://${host}/v2/${repository}/tags/list`;
    let headers: Record<string, string> = { Accept: "application/json" };
    const tags: string[] = [];
    // Pages are followed up to a bound, so a registry that links in a circle still ends the check.
    for (let page = 0; page < 100; page++) {
        let answer = await get(url, headers);
        const challenge = answer.status === 401 && !headers.Authorization ? bearerChallenge(answer.header("www-authenticate")) : undefined;
        if (challenge) {
            const tokenUrl = new URL(challenge.realm);
            if (challenge.service) tokenUrl.searchParams.set("service", challenge.service);
            tokenUrl.searchParams.set("scope", challenge.scope ?? `repository:${repository}:pull`);
            const tokenAnswer = await get(tokenUrl.href);
            const token = tokenAnswer.status === 200 ? jsonOf<{ token: string; access_token: string }>(tokenAnswer.body) : {};
            const bearer = token.token ?? token.access_token;
            if (bearer) {
                headers = { ...headers, Authorization: `Bearer ${bearer}` };
                answer = await get(url, headers);
            }
        }
        if (answer.status === 401 || answer.status === 403) return { unverifiable: `HTTP ${answer.status}` };
        if (answer.status === 404) return { absent: true };
        const list = jsonOf<{ tags: string[] | null }>(answer.body);
        if (answer.status !== 200 || !("tags" in list)) return { failed: `GET ${url}: HTTP ${answer.status}, not a tag list` };
        tags.push(...(list.tags ?? []));
        const next = /<([^>]+)>;\s*rel="?next"?/.exec(answer.header("link") ?? "");
        if (!next) return { tags };
        url = new URL(next[1], url).href;
    }
    return { tags };
}

async function checkRegistry(charts: ChartRef[], mirror: ChartMirror, get: HttpGet): Promise<MirrorVerdict> {
    const [host, ...repositoryPath] = mirror.location.slice("oci://".length).split("/");
    const unreadable = (reason: string) => ({
        problems: [problem(mirror, `an OCI registry this machine can read (${reason})`)],
        warnings: [],
    });
    // The API's base answers every client, with any status: one request tells an unreachable registry from missing charts.
    try {
        await get(`https://${host}/v2/`);
    } catch (err) {
        return unreadable(`GET https://${host}/v2/: ${(err as Error).message}`);
    }
    const results = await Promise.all(
        charts.map((chart) => {
            const repository = [...repositoryPath, chart.name].join("/");
            return registryTags(get, host, repository).catch((err: Error): TagsResult => ({
                failed: `GET https://${host}/v2/${repository}/tags/list: ${err.message}`,
            }));
        }),
    );
    const verdict: MirrorVerdict = { problems: [], warnings: [] };
    charts.forEach((chart, i) => {
        const result = results[i];
        const fix = `${pull(chart)} && helm push ${chartArchive(chart)} ${mirror.location}`;
        // Helm stores a version's "+" (semver build metadata) as "_", which tags cannot hold.
        if ("tags" in result && result.tags.includes(chart.version.replace(/\+/g, "_"))) return;
        if ("tags" in result) {
            const listed = result.tags.length ? `tags ${versionList(result.tags)}` : "no tags";
            verdict.problems.push(missing(mirror, chart, `${mirror.location}/${chart.name} has ${listed}`, fix));
        } else if ("absent" in result) {
            verdict.problems.push(missing(mirror, chart, `the registry has no ${mirror.location}/${chart.name}`, fix));
        } else if ("unverifiable" in result) {
            verdict.warnings.push(
                `${CONFIG_NAMESPACE}:charts.mirror ${mirror.location}: chart ${chart.name} version ${chart.version} was not checked, ` +
                    `the registry wants credentials (${result.unverifiable}); the Kubernetes provider pulls it with those of \`helm registry login\``,
            );
        } else {
            verdict.problems.push(...unreadable(result.failed).problems);
        }
    });
    return verdict;
}

/** What the mirror lacks of `charts`, or why it cannot be read; what could not be checked is a warning. */
export async function mirrorVerdict(charts: ChartRef[], mirror: ChartMirror, options: MirrorCheckOptions = {}): Promise<MirrorVerdict> {
    const get = options.get ?? fetchGet();
    switch (mirror.kind) {
        case "directory":
            return checkDirectory(charts, mirror, options.root ?? process.cwd());
        case "repository":
            return checkRepository(charts, mirror, get);
        case "oci":
            return checkRegistry(charts, mirror, get);
    }
}

/** Fails the run with every chart the mirror lacks (ConfigError, printed without a stack trace); warns what it could not check. */
export async function ensureChartsMirrored(charts: ChartRef[], mirror: ChartMirror, options: MirrorCheckOptions = {}): Promise<void> {
    const verdict = await mirrorVerdict(charts, mirror, options);
    // Not awaited, as the endpoint check's warning: the SDK delivers log messages in order.
    for (const warning of verdict.warnings) void pulumi.log.warn(warning);
    if (verdict.problems.length > 0) throw new ConfigError(verdict.problems);
}

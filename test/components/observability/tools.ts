import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import type { PrometheusRuleGroup } from "../../../components/observability/rules";

/**
 * The real tools the observability tests feed the program's generated files to: promtool
 * (Prometheus rules), amtool (Alertmanager config) and luajit (the Fluent Bit Lua filter).
 * Each call writes its inputs into a fresh temporary directory and removes it afterwards.
 */

export interface ToolResult {
    status: number;
    stdout: string;
    stderr: string;
    /** stdout and stderr together, for assertion messages. */
    output: string;
}

function run(command: string, args: string[], cwd: string): ToolResult {
    const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 60_000 });
    if (result.error) throw new Error(`${command} could not be run (is it installed? .ci/run installs it): ${result.error.message}`);
    const stdout = result.stdout ?? "";
    const stderr = result.stderr ?? "";
    return { status: result.status ?? -1, stdout, stderr, output: `${stdout}${stderr}` };
}

function inTempDir<T>(files: Record<string, string>, body: (dir: string) => T): T {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ce-observability-"));
    try {
        for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
        return body(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** A Prometheus rule file holding `groups` (what the PrometheusRule's spec.groups is). */
export function ruleFile(groups: PrometheusRuleGroup[]): string {
    return stringify({ groups });
}

/** `promtool check rules` on the groups written to a rule file. */
export function checkRules(groups: PrometheusRuleGroup[]): ToolResult {
    return inTempDir({ "rules.yaml": ruleFile(groups) }, (dir) => run("promtool", ["check", "rules", "rules.yaml"], dir));
}

export interface AlertExpectation {
    exp_labels: Record<string, string>;
    exp_annotations?: Record<string, string>;
}

export interface RuleUnitTest {
    name?: string;
    interval: string;
    input_series: { series: string; values: string }[];
    alert_rule_test?: { eval_time: string; alertname: string; exp_alerts: AlertExpectation[] }[];
    promql_expr_test?: { expr: string; eval_time: string; exp_samples: { labels: string; value: number }[] }[];
}

/**
 * `promtool test rules`: the unit tests run against the groups written to a rule file. Groups are
 * evaluated in the order given (promtool's default order is random, which would make an alert on a
 * recorded series lag one evaluation in some runs and not in others).
 */
export function testRules(groups: PrometheusRuleGroup[], tests: RuleUnitTest[], evaluationInterval = "1m"): ToolResult {
    const testFile = stringify({
        rule_files: ["rules.yaml"],
        evaluation_interval: evaluationInterval,
        group_eval_order: groups.map((g) => g.name),
        tests,
    });
    return inTempDir({ "rules.yaml": ruleFile(groups), "tests.yaml": testFile }, (dir) =>
        run("promtool", ["test", "rules", "tests.yaml"], dir),
    );
}

/** `promtool check rules` on each PromQL expression as a recording rule: parses and type-checks queries that are not rules (dashboards). */
export function checkExpressions(exprs: string[]): ToolResult {
    return checkRules([{ name: "expressions", rules: exprs.map((expr, i) => ({ record: `expression_${i}`, expr })) }]);
}

/** `amtool check-config` on the configuration written to alertmanager.yaml. */
export function checkAlertmanagerConfig(config: string): ToolResult {
    return inTempDir({ "alertmanager.yaml": config }, (dir) => run("amtool", ["check-config", "alertmanager.yaml"], dir));
}

/** `amtool config routes test`: the receivers an alert with `labels` is routed to. */
export function routeReceivers(config: string, labels: Record<string, string>): string[] {
    const result = inTempDir({ "alertmanager.yaml": config }, (dir) =>
        run(
            "amtool",
            ["config", "routes", "test", "--config.file=alertmanager.yaml", ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)],
            dir,
        ),
    );
    if (result.status !== 0) throw new Error(`amtool config routes test failed (${result.status}): ${result.output}`);
    return result.stdout
        .trim()
        .split(",")
        .map((r) => r.trim());
}

/** A Lua literal for a JSON-like value (printable ASCII, tab and newline only: LuaJIT has no \u escapes). */
export function luaLiteral(value: unknown): string {
    if (value === null || value === undefined) return "nil";
    if (typeof value === "string") {
        if (!/^[\x20-\x7e\t\n]*$/.test(value)) throw new Error(`luaLiteral: only printable ASCII strings, got ${JSON.stringify(value)}`);
        // JSON's \n, \t, \" and \\ escapes mean the same in a Lua string.
        return JSON.stringify(value);
    }
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    if (Array.isArray(value)) return `{ ${value.map(luaLiteral).join(", ")} }`;
    return `{ ${Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `[${luaLiteral(k)}] = ${luaLiteral(v)}`)
        .join(", ")} }`;
}

/** Encodes Lua values as JSON: a table with keys 1..n is an array, any other table an object. */
const LUA_JSON = `
local function encode(value)
  local kind = type(value)
  if kind == "string" then
    return '"' .. value:gsub('[%c"\\\\]', function(c) return string.format("\\\\u%04x", c:byte()) end) .. '"'
  elseif kind == "number" or kind == "boolean" then
    return tostring(value)
  elseif kind == "nil" then
    return "null"
  elseif kind == "table" then
    local n = 0
    for _ in pairs(value) do n = n + 1 end
    if n > 0 and #value == n then
      local items = {}
      for i = 1, n do items[i] = encode(value[i]) end
      return "[" .. table.concat(items, ",") .. "]"
    end
    local keys = {}
    for key in pairs(value) do keys[#keys + 1] = tostring(key) end
    table.sort(keys)
    local items = {}
    for _, key in ipairs(keys) do items[#items + 1] = encode(key) .. ":" .. encode(value[key]) end
    return "{" .. table.concat(items, ",") .. "}"
  end
  error("cannot encode a " .. kind)
end
`;

export interface LuaFilterResult {
    /** Fluent Bit's return code: -1 drop, 0 unchanged, 1 modified with new timestamp, 2 modified keeping the timestamp. */
    code: number;
    timestamp: number;
    record: unknown;
}

/**
 * Runs a Fluent Bit Lua filter script in luajit (the Lua Fluent Bit embeds), calling `fn(tag,
 * timestamp, record)` on each record as Fluent Bit does, and returns what it returned.
 */
export function runLuaFilter(
    script: string,
    fn: string,
    records: Record<string, unknown>[],
    tag = "kube.var.log.containers.app.log",
): LuaFilterResult[] {
    const driver = [
        "dofile('filter.lua')",
        LUA_JSON,
        `local records = ${luaLiteral(records)}`,
        "for i, record in ipairs(records) do",
        `  local code, timestamp, out = ${fn}(${luaLiteral(tag)}, 1700000000.5, record)`,
        '  io.write(encode({ code = code, timestamp = timestamp, record = out }), "\\n")',
        "end",
    ].join("\n");
    const result = inTempDir({ "filter.lua": script, "driver.lua": driver }, (dir) => run("luajit", ["driver.lua"], dir));
    if (result.status !== 0) throw new Error(`luajit failed (${result.status}): ${result.output}`);
    return result.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as LuaFilterResult);
}

export interface LuaFilterBenchmark {
    records: number;
    /** Wall time of the filter calls alone (copying the records is not counted), per round. */
    seconds: number[];
    recordsPerSecond: number;
}

/**
 * Throughput of a Fluent Bit Lua filter under luajit: `rounds` rounds, each calling `fn` on
 * `copies` fresh copies of `records` (the filter mutates its argument). Reports the median round.
 */
export function benchLuaFilter(
    script: string,
    fn: string,
    records: Record<string, unknown>[],
    copies: number,
    rounds = 5,
): LuaFilterBenchmark {
    const driver = [
        "dofile('filter.lua')",
        `local records = ${luaLiteral(records)}`,
        "local function copy(value)",
        "  if type(value) ~= 'table' then return value end",
        "  local out = {}",
        "  for k, v in pairs(value) do out[k] = copy(v) end",
        "  return out",
        "end",
        `for round = 1, ${rounds} do`,
        "  local batch = {}",
        `  for i = 1, ${copies} do for _, record in ipairs(records) do batch[#batch + 1] = copy(record) end end`,
        "  local started = os.clock()",
        `  for i = 1, #batch do ${fn}("kube.bench", 1700000000.5, batch[i]) end`,
        '  io.write(string.format("%d %.6f\\n", #batch, os.clock() - started))',
        "end",
    ].join("\n");
    const result = inTempDir({ "filter.lua": script, "driver.lua": driver }, (dir) => run("luajit", ["driver.lua"], dir));
    if (result.status !== 0) throw new Error(`luajit failed (${result.status}): ${result.output}`);
    const lines = result.stdout
        .trim()
        .split("\n")
        .map((line) => line.split(" ").map(Number));
    const seconds = lines.map(([, s]) => s);
    const median = [...seconds].sort((a, b) => a - b)[Math.floor(seconds.length / 2)];
    return { records: lines[0][0], seconds, recordsPerSecond: lines[0][0] / median };
}

/** A free TCP port on 127.0.0.1 (the OS picks one; a race with another process taking it is unlikely in a test). */
async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as { port: number };
            server.close(() => resolve(port));
        });
    });
}

export interface AlertState {
    alertname: string;
    labels: Record<string, string>;
    /** "active" or "suppressed" (inhibited or silenced). */
    state: string;
    inhibitedBy: string[];
}

/**
 * A real Alertmanager (Debian's prometheus-alertmanager) running `config` on a free loopback port,
 * clustering off, for the duration of `body`. Alerts are sent and read with amtool
 * (`alert add`, `alert query -o json`), so inhibition is judged by Alertmanager itself.
 */
export async function withAlertmanager<T>(
    config: string,
    body: (am: { add: (labels: Record<string, string>) => void; alerts: () => AlertState[] }) => Promise<T> | T,
): Promise<T> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ce-alertmanager-"));
    fs.writeFileSync(path.join(dir, "alertmanager.yaml"), config);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const child = spawn(
        "prometheus-alertmanager",
        [
            "--config.file=alertmanager.yaml",
            `--storage.path=${path.join(dir, "data")}`,
            `--web.listen-address=127.0.0.1:${port}`,
            "--cluster.listen-address=",
        ],
        { cwd: dir, stdio: ["ignore", "ignore", "pipe"] },
    );
    let log = "";
    child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
    const amtool = (args: string[]): ToolResult => {
        const result = run("amtool", [...args, `--alertmanager.url=${url}`], dir);
        if (result.status !== 0) throw new Error(`amtool ${args.join(" ")} failed (${result.status}): ${result.output}\n${log}`);
        return result;
    };
    try {
        const deadline = Date.now() + 15_000;
        for (;;) {
            const ready = await fetch(`${url}-/ready`).then(
                (r) => r.ok,
                () => false,
            );
            if (ready) break;
            if (child.exitCode !== null || Date.now() > deadline) throw new Error(`Alertmanager did not become ready:\n${log}`);
            await new Promise((r) => setTimeout(r, 100));
        }
        return await body({
            add: (labels) => void amtool(["alert", "add", ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]),
            alerts: () =>
                (
                    JSON.parse(amtool(["alert", "query", "--active", "--inhibited", "--silenced", "-o", "json"]).stdout) as {
                        labels: Record<string, string>;
                        status: { state: string; inhibitedBy: string[] | null };
                    }[]
                ).map((a) => ({
                    alertname: a.labels.alertname,
                    labels: a.labels,
                    state: a.status.state,
                    inhibitedBy: a.status.inhibitedBy ?? [],
                })),
        });
    } finally {
        // Alertmanager writes its state into the data folder as it stops: wait for it (bounded) before removing it.
        if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
            child.kill("SIGTERM");
            await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        }
        fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    }
}

exports.handler = __f0;

var __gates_1 = {};
var __DURATION = new RegExp("^(\\d+(ms|s|m|h|d|w|y))+$", "");
__gates_1.gateDefinitionIssues = __gateDefinitionIssues;
var __gates_1_NO_DATA_POLICIES = ["fail", "wait", "pass"];
__gates_1.NO_DATA_POLICIES = __gates_1_NO_DATA_POLICIES;
var __RERUN_KEYS = ["stage", "candidateVersion", "stableVersion"];
var __kubeApi_1 = {httpRequest: __httpRequest, kubeClient: __kubeClient};
var __prometheus_1 = {prometheusClient: __prometheusClient};
var __queries_1 = {};
__queries_1.renderQuery = __renderQuery;
var __queries_1_TEMPLATE_VARIABLES = ["version", "window", "pods"];
__queries_1.TEMPLATE_VARIABLES = __queries_1_TEMPLATE_VARIABLES;
var __UNIT_SUFFIX = {["%"]: "%", ms: "ms", count: "", requests: " requests"};
var __verdict_1 = {evaluateGate: __evaluateGate, progressLine: __progressLine};
var __trafficCut_1 = {cutTrafficToStable: __cutTrafficToStable};
var __gateRun_1 = {runLiveGate: __runLiveGate};
var __provider = {check: __f1, diff: __f2, create: __f3, update: __f5};

function __gateDefinitionIssues(__0) {
  return (function() {
    with({ DURATION: __DURATION, exports: __gates_1, gateDefinitionIssues: __gateDefinitionIssues, this: undefined, arguments: undefined }) {

return function /*gateDefinitionIssues*/(gate) {
    const issues = [];
    const add = (property, reason) => issues.push({ property: `gate.${property}`, reason });
    if (typeof gate !== "object" || gate === null)
        return [{ property: "gate", reason: "a gate definition object (see gateForStage)" }];
    const g = gate;
    const nonNegative = (key, min = 0) => {
        const v = g[key];
        if (typeof v !== "number" || !Number.isFinite(v) || v < min)
            add(key, `a number >= ${min}; got ${JSON.stringify(v)}`);
    };
    if (typeof g.stage !== "string" || g.stage === "")
        add("stage", "a stage name");
    nonNegative("bakeSeconds");
    nonNegative("intervalSeconds", 1);
    nonNegative("graceSeconds");
    nonNegative("minRequests");
    nonNegative("queryTimeoutSeconds", 1);
    if (typeof g.window !== "string" || !DURATION.test(g.window))
        add("window", `a Prometheus duration such as "5m"; got ${JSON.stringify(g.window)}`);
    if (typeof g.trafficQuery !== "string" || g.trafficQuery === "")
        add("trafficQuery", "a PromQL template");
    for (const key of ["trafficNoData", "comparisonNoBaseline"]) {
        if (!exports.NO_DATA_POLICIES.includes(g[key]))
            add(key, `one of ${exports.NO_DATA_POLICIES.join(", ")}`);
    }
    if (!Array.isArray(g.checks) || g.checks.length === 0) {
        add("checks", "a non-empty list of checks");
        return issues;
    }
    g.checks.forEach((c, i) => {
        if (typeof c?.query !== "string" || c.query === "")
            add(`checks[${i}].query`, "a PromQL template");
        if (!exports.NO_DATA_POLICIES.includes(c?.noData))
            add(`checks[${i}].noData`, `one of ${exports.NO_DATA_POLICIES.join(", ")}`);
        if (c?.triggerAbove === undefined && c?.criterionBelow === undefined && c?.criterionAbove === undefined && c?.comparison === undefined) {
            add(`checks[${i}]`, `a trigger, criterion or comparison (check "${c?.id}" has no limit)`);
        }
    });
    return issues;
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __f1(__0, __1) {
  return (function() {
    with({ gates_1: __gates_1, RERUN_KEYS: __RERUN_KEYS, this: undefined, arguments: undefined }) {

return async function /*check*/(_olds, news) {
        const failures = (0, gates_1.gateDefinitionIssues)(news.gate);
        for (const key of RERUN_KEYS) {
            if (typeof news[key] !== "string" || news[key] === "")
                failures.push({ property: key, reason: "a non-empty string" });
        }
        const p = news.prometheus;
        if (!p || (typeof p.url !== "string" && (typeof p.service !== "object" || typeof p.kubeconfig !== "string"))) {
            failures.push({ property: "prometheus", reason: "{ url } or { service: {namespace, name, port, scheme}, kubeconfig }" });
        }
        return { inputs: news, failures };
    };

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __f2(__0, __1, __2) {
  return (function() {
    with({ RERUN_KEYS: __RERUN_KEYS, this: undefined, arguments: undefined }) {

return async function /*diff*/(_id, olds, news) {
        // Stable, key-sorted JSON: the gate definition goes through protobuf Structs, which do not keep key order.
        const canonical = (value) => JSON.stringify(value, (_key, v) => v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v);
        const replaces = RERUN_KEYS.filter((key) => olds[key] !== news[key]);
        const gateChanged = canonical(olds.gate) !== canonical(news.gate);
        return { changes: replaces.length > 0 || gateChanged, replaces, deleteBeforeReplace: false };
    };

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __f4(__0) {
  return (function() {
    with({ this: undefined, arguments: undefined }) {

return (ms) => new Promise((resolve) => setTimeout(resolve, ms));

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __sampleFromResponse(__0) {
  return (function() {
    with({ sampleFromResponse: __sampleFromResponse, this: undefined, arguments: undefined }) {

return function /*sampleFromResponse*/(body) {
    let parsed;
    try {
        parsed = JSON.parse(body);
    }
    catch {
        throw new Error(`not a Prometheus API answer: ${body.slice(0, 120)}`);
    }
    if (parsed.status !== "success")
        return { value: null, reason: `query failed: ${parsed.error ?? "unknown error"}` };
    const data = parsed.data ?? {};
    let raw;
    if (data.resultType === "scalar") {
        raw = data.result[1];
    }
    else if (data.resultType === "vector") {
        const result = data.result;
        if (result.length === 0)
            return { value: null, reason: "empty result (no series in the window)" };
        if (result.length > 1)
            return { value: null, reason: `${result.length} series; a gate query must aggregate to one` };
        raw = result[0].value[1];
    }
    else {
        return { value: null, reason: `unexpected result type ${data.resultType}` };
    }
    const value = Number(raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : raw);
    if (Number.isNaN(value))
        return { value: null, reason: "NaN (nothing to divide by in the window)" };
    return { value };
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __clientOver(__0, __1, __2, __3) {
  return (function() {
    with({ sampleFromResponse: __sampleFromResponse, clientOver: __clientOver, this: undefined, arguments: undefined }) {

return function /*clientOver*/(description, transport, timeoutMs, sleep) {
    return {
        description,
        async query(promql, time, budgetMs) {
            const started = Date.now();
            const params = new URLSearchParams({ query: promql, time: time.toFixed(3) });
            let attempts = 0;
            let lastError = "";
            for (;;) {
                attempts++;
                const remaining = budgetMs - (Date.now() - started);
                try {
                    const res = await transport(`/api/v1/query?${params}`, { method: "GET", timeoutMs: Math.max(1, Math.min(timeoutMs, remaining)) });
                    if (res.status >= 500 || res.status === 429)
                        throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 200).trim()}`);
                    if (res.status >= 400) {
                        // 400/422: the query is wrong; 401/403/404: credentials or the proxy path are. Retrying changes nothing.
                        let detail = res.body.slice(0, 200).trim();
                        try {
                            const parsed = JSON.parse(res.body);
                            detail = parsed.error ?? parsed.message ?? detail;
                        }
                        catch {
                            // plain-text error body
                        }
                        return { value: null, reason: `Prometheus at ${description} answered HTTP ${res.status}: ${detail}` };
                    }
                    return sampleFromResponse(res.body);
                }
                catch (err) {
                    // Refused, reset, timed out, 5xx, garbled: Prometheus (or the API server) may answer next time.
                    lastError = err instanceof Error ? err.message : String(err);
                }
                // Back off 250 ms, 500 ms, 1 s ... within the budget; stop when another attempt cannot fit.
                const backoff = Math.min(250 * 2 ** (attempts - 1), 2000);
                if (budgetMs - (Date.now() - started) < backoff + 50)
                    break;
                await sleep(backoff);
            }
            return { value: null, reason: `Prometheus at ${description} unavailable after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${lastError}` };
        },
    };
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}
const https = require("https");
const http = require("http");

function __httpRequest(__0, __1) {
  return (function() {
    with({ httpRequest: __httpRequest, this: undefined, arguments: undefined }) {

return function /*httpRequest*/(url, options, tls = {}) {
    return new Promise((resolve, reject) => {
        // Declared before the callbacks that clear it (Pulumi's closure serialiser reads declarations in source order).
        let timer;
        const target = new URL(url);
        const secure = target.protocol === "https:";
        const request = (secure ? https : http).request(target, {
            method: options.method ?? "GET",
            headers: options.headers,
            agent: false,
            ...(secure ? { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.rejectUnauthorized ?? true, servername: tls.servername } : {}),
        }, (response) => {
            const chunks = [];
            response.on("data", (c) => chunks.push(c));
            response.on("end", () => {
                clearTimeout(timer);
                resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
            });
            response.on("error", (err) => {
                clearTimeout(timer);
                reject(err);
            });
        });
        timer = setTimeout(() => request.destroy(new Error(`timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
        request.on("error", (err) => {
            clearTimeout(timer);
            reject(err);
        });
        request.end(options.body);
    });
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __entry(__0, __1, __2, __3) {
  return (function() {
    with({ entry: __entry, this: undefined, arguments: undefined }) {

return function /*entry*/(list, name, kind, field) {
    const found = Array.isArray(list) ? list.find((e) => e?.name === name) : undefined;
    if (!found || typeof found[field] !== "object" || found[field] === null)
        throw new Error(`kubeconfig: no ${kind} named "${name}"`);
    return found[field];
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}
const fs = require("fs");

function __fileOrData(__0, __1, __2) {
  return (function() {
    with({ fileOrData: __fileOrData, this: undefined, arguments: undefined }) {

return function /*fileOrData*/(data, file, what) {
    if (typeof data === "string" && data !== "")
        return Buffer.from(data, "base64").toString("utf8");
    if (typeof file === "string" && file !== "") {
        try {
            return fs.readFileSync(file, "utf8");
        }
        catch (err) {
            throw new Error(`kubeconfig: cannot read ${what} file ${file}: ${err.code ?? String(err)}`);
        }
    }
    return undefined;
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}
const yaml_1 = require("yaml");

function __credentialsFromKubeconfig(__0, __1) {
  return (function() {
    with({ entry: __entry, fileOrData: __fileOrData, credentialsFromKubeconfig: __credentialsFromKubeconfig, this: undefined, arguments: undefined }) {

return function /*credentialsFromKubeconfig*/(kubeconfig, contextName) {
    let doc;
    try {
        doc = ((0, yaml_1.parse)(kubeconfig) ?? {});
    }
    catch (err) {
        throw new Error(`kubeconfig: not YAML/JSON: ${err.message.split("\n")[0]}`);
    }
    const name = contextName ?? doc["current-context"];
    if (!name)
        throw new Error("kubeconfig: no current-context and no context named");
    const context = entry(doc.contexts, name, "context", "context");
    const cluster = entry(doc.clusters, context.cluster, "cluster", "cluster");
    const user = context.user ? entry(doc.users, context.user, "user", "user") : {};
    if (typeof cluster.server !== "string" || !/^https?:\/\//.test(cluster.server)) {
        throw new Error(`kubeconfig: cluster "${context.cluster}" has no http(s) server URL`);
    }
    const tokenFile = typeof user.tokenFile === "string" ? user.tokenFile : undefined;
    return {
        server: cluster.server.replace(/\/+$/, ""),
        ca: fileOrData(cluster["certificate-authority-data"], cluster["certificate-authority"], "certificate-authority"),
        insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
        tlsServerName: typeof cluster["tls-server-name"] === "string" ? cluster["tls-server-name"] : undefined,
        token: typeof user.token === "string" ? user.token : tokenFile ? fs.readFileSync(tokenFile, "utf8").trim() : undefined,
        clientCert: fileOrData(user["client-certificate-data"], user["client-certificate"], "client-certificate"),
        clientKey: fileOrData(user["client-key-data"], user["client-key"], "client-key"),
        basicAuth: typeof user.username === "string" && typeof user.password === "string" ? { username: user.username, password: user.password } : undefined,
        exec: typeof user.exec === "object" && user.exec !== null ? user.exec : undefined,
    };
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}
const childProcess = require("child_process");

function __runExecPlugin(__0, __1) {
  return (function() {
    with({ runExecPlugin: __runExecPlugin, this: undefined, arguments: undefined }) {

return function /*runExecPlugin*/(exec, server) {
    const env = { ...process.env };
    for (const e of exec.env ?? [])
        env[e.name] = e.value;
    env.KUBERNETES_EXEC_INFO = JSON.stringify({
        apiVersion: exec.apiVersion ?? "client.authentication.k8s.io/v1beta1",
        kind: "ExecCredential",
        spec: { interactive: false, cluster: { server } },
    });
    let out;
    try {
        out = childProcess.execFileSync(exec.command, exec.args ?? [], { env, encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] });
    }
    catch (err) {
        const e = err;
        throw new Error(`kubeconfig exec plugin ${exec.command} failed: ${(e.stderr || e.message).trim().split("\n")[0]}`);
    }
    const status = JSON.parse(out).status ?? {};
    const expiry = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : NaN;
    return {
        token: status.token,
        clientCert: status.clientCertificateData,
        clientKey: status.clientKeyData,
        // Renew a minute early; without an expiry, run the plugin again after five minutes.
        expiresAt: Number.isFinite(expiry) ? expiry - 60_000 : Date.now() + 5 * 60_000,
    };
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __kubeClient(__0, __1) {
  return (function() {
    with({ credentialsFromKubeconfig: __credentialsFromKubeconfig, runExecPlugin: __runExecPlugin, httpRequest: __httpRequest, kubeClient: __kubeClient, this: undefined, arguments: undefined }) {

return function /*kubeClient*/(kubeconfig, contextName) {
    const creds = credentialsFromKubeconfig(kubeconfig, contextName);
    let execCredential;
    return {
        server: creds.server,
        request(path, options) {
            if (creds.exec && (!execCredential || Date.now() >= execCredential.expiresAt))
                execCredential = runExecPlugin(creds.exec, creds.server);
            const token = execCredential?.token ?? creds.token;
            const headers = { Accept: "application/json", ...options.headers };
            if (token)
                headers.Authorization = `Bearer ${token}`;
            else if (creds.basicAuth)
                headers.Authorization = `Basic ${Buffer.from(`${creds.basicAuth.username}:${creds.basicAuth.password}`).toString("base64")}`;
            return httpRequest(`${creds.server}${path}`, { ...options, headers }, {
                ca: creds.ca,
                cert: execCredential?.clientCert ?? creds.clientCert,
                key: execCredential?.clientKey ?? creds.clientKey,
                rejectUnauthorized: !creds.insecureSkipTlsVerify,
                servername: creds.tlsServerName,
            });
        },
    };
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __serviceProxyPath(__0) {
  return (function() {
    with({ serviceProxyPath: __serviceProxyPath, this: undefined, arguments: undefined }) {

return function /*serviceProxyPath*/(service) {
    return `/api/v1/namespaces/${encodeURIComponent(service.namespace)}/services/${service.scheme}:${encodeURIComponent(service.name)}:${service.port}/proxy`;
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __prometheusClient(__0, __1) {
  return (function() {
    with({ wait: __f4, clientOver: __clientOver, kubeApi_1: __kubeApi_1, serviceProxyPath: __serviceProxyPath, prometheusClient: __prometheusClient, this: undefined, arguments: undefined }) {

return function /*prometheusClient*/(target, timeoutMs, sleep = wait) {
    if ("url" in target) {
        const base = target.url.replace(/\/+$/, "");
        return clientOver(base, (path, options) => (0, kubeApi_1.httpRequest)(`${base}${path}`, options), timeoutMs, sleep);
    }
    const kube = (0, kubeApi_1.kubeClient)(target.kubeconfig, target.context);
    const proxy = serviceProxyPath(target.service);
    const { namespace, name, port } = target.service;
    return clientOver(`service ${namespace}/${name}:${port} via ${kube.server}`, (path, options) => kube.request(`${proxy}${path}`, options), timeoutMs, sleep);
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __promqlString(__0) {
  return (function() {
    with({ promqlString: __promqlString, this: undefined, arguments: undefined }) {

return function /*promqlString*/(value) {
    return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __renderQuery(__0, __1) {
  return (function() {
    with({ exports: __queries_1, promqlString: __promqlString, renderQuery: __renderQuery, this: undefined, arguments: undefined }) {

return function /*renderQuery*/(template, variables) {
    return template.replace(/\{\{\s*([A-Za-z_]+)\s*\}\}/g, (_, name) => {
        if (!exports.TEMPLATE_VARIABLES.includes(name)) {
            throw new Error(`unknown placeholder {{${name}}} in query template; expected one of ${exports.TEMPLATE_VARIABLES.map((t) => `{{${t}}}`).join(", ")}`);
        }
        const value = variables[name];
        // The window is a range, not a string literal; regexes and versions are string literals.
        return name === "window" ? value : promqlString(value);
    });
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __sampleGate(__0, __1, __2, __3, __4) {
  return (function() {
    with({ queries_1: __queries_1, sampleGate: __sampleGate, this: undefined, arguments: undefined }) {

return async function /*sampleGate*/(def, versions, query, time, budgetMs) {
    const both = async (template) => {
        const ask = async (version, pods) => {
            try {
                return await query((0, queries_1.renderQuery)(template, { version, window: def.window, pods }), time, budgetMs);
            }
            catch (err) {
                return { value: null, reason: err instanceof Error ? err.message : String(err) };
            }
        };
        const [canary, stable] = await Promise.all([ask(versions.candidate, def.pods.candidate), ask(versions.stable, def.pods.stable)]);
        return { canary, stable };
    };
    const [traffic, ...checks] = await Promise.all([both(def.trafficQuery), ...def.checks.map((c) => both(c.query))]);
    return { traffic, checks: Object.fromEntries(def.checks.map((c, i) => [c.id, checks[i]])) };
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __formatValue(__0, __1) {
  return (function() {
    with({ UNIT_SUFFIX: __UNIT_SUFFIX, formatValue: __formatValue, this: undefined, arguments: undefined }) {

return function /*formatValue*/(value, unit) {
    if (value === null)
        return "no data";
    if (!Number.isFinite(value))
        return `${value > 0 ? "+" : "-"}Inf${UNIT_SUFFIX[unit]}`;
    let text;
    if (unit === "%")
        text = value.toFixed(2);
    else if (unit === "ms")
        text = value >= 10 ? value.toFixed(0) : value.toFixed(1);
    else
        text = Number.isInteger(value) ? String(value) : value.toFixed(1);
    return `${text}${UNIT_SUFFIX[unit]}`;
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __judgeTraffic(__0, __1) {
  return (function() {
    with({ formatValue: __formatValue, judgeTraffic: __judgeTraffic, this: undefined, arguments: undefined }) {

return function /*judgeTraffic*/(def, samples) {
    const canary = samples.canary;
    if (canary.value === null)
        return { status: "no-data", policy: def.trafficNoData, finding: `traffic has no data (${canary.reason})` };
    if (canary.value < def.minRequests) {
        return { status: "no-data", policy: def.trafficNoData, finding: `traffic ${formatValue(canary.value, "requests")} < ${def.minRequests} (minimum-traffic guard)` };
    }
    return { status: "pass" };
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __limit(__0, __1) {
  return (function() {
    with({ UNIT_SUFFIX: __UNIT_SUFFIX, limit: __limit, this: undefined, arguments: undefined }) {

return function /*limit*/(value, unit) {
    return `${value}${UNIT_SUFFIX[unit]}`;
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __judgeCheck(__0, __1, __2, __3, __4) {
  return (function() {
    with({ formatValue: __formatValue, limit: __limit, judgeCheck: __judgeCheck, this: undefined, arguments: undefined }) {

return function /*judgeCheck*/(def, check, samples, traffic, stableTraffic) {
    const { canary, stable } = samples;
    const unit = check.unit;
    if (check.needsTraffic && traffic.status !== "pass") {
        return { status: "no-data", policy: def.trafficNoData, finding: `${check.id} not judged: ${traffic.finding}` };
    }
    if (canary.value === null)
        return { status: "no-data", policy: check.noData, finding: `${check.id} has no data (${canary.reason})` };
    const v = canary.value;
    if (check.triggerAbove !== undefined && v > check.triggerAbove) {
        return { status: "breach", finding: `${check.id} ${formatValue(v, unit)} > ${limit(check.triggerAbove, unit)} (rollback trigger)` };
    }
    if (check.criterionBelow !== undefined && !(v < check.criterionBelow)) {
        return { status: "fail", finding: `${check.id} ${formatValue(v, unit)} >= ${limit(check.criterionBelow, unit)} (success criterion < ${limit(check.criterionBelow, unit)})` };
    }
    if (check.criterionAbove !== undefined && !(v > check.criterionAbove)) {
        return { status: "fail", finding: `${check.id} ${formatValue(v, unit)} <= ${limit(check.criterionAbove, unit)} (success criterion > ${limit(check.criterionAbove, unit)})` };
    }
    if (check.comparison) {
        const baselineMissing = stable.value === null
            ? stable.reason
            : check.needsTraffic && (stableTraffic.value === null || stableTraffic.value < def.minRequests)
                ? `stable served ${formatValue(stableTraffic.value, "requests")}, fewer than ${def.minRequests}`
                : undefined;
        if (baselineMissing !== undefined || stable.value === null) {
            const why = `no stable baseline for the comparison (${baselineMissing})`;
            if (def.comparisonNoBaseline === "pass")
                return { status: "pass", note: `${why}; comparison skipped (no-data policy "pass")` };
            return { status: "no-data", policy: def.comparisonNoBaseline, finding: `${check.id} has ${why}` };
        }
        const s = stable.value;
        const cmp = check.comparison;
        const allowed = cmp.kind === "ratio" ? s * cmp.factor : s + cmp.margin;
        if (v > allowed) {
            const rule = cmp.kind === "ratio" ? `stable × ${cmp.factor}` : `stable + ${cmp.margin}${unit === "%" ? " pts" : ""}`;
            return { status: "fail", finding: `${check.id} ${formatValue(v, unit)} > ${rule} = ${formatValue(allowed, unit)} (canary vs stable)` };
        }
    }
    return { status: "pass" };
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __thresholdText(__0) {
  return (function() {
    with({ limit: __limit, thresholdText: __thresholdText, this: undefined, arguments: undefined }) {

return function /*thresholdText*/(check) {
    const parts = [];
    if (check.criterionBelow !== undefined)
        parts.push(`< ${limit(check.criterionBelow, check.unit)}`);
    if (check.criterionAbove !== undefined)
        parts.push(`> ${limit(check.criterionAbove, check.unit)}`);
    if (check.triggerAbove !== undefined)
        parts.push(`abort > ${limit(check.triggerAbove, check.unit)}`);
    if (check.comparison?.kind === "ratio")
        parts.push(`<= stable × ${check.comparison.factor}`);
    if (check.comparison?.kind === "margin")
        parts.push(`<= stable + ${check.comparison.margin}${check.unit === "%" ? " pts" : ""}`);
    return parts.join("; ");
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __fails(__0, __1) {
  return (function() {
    with({ fails: __fails, this: undefined, arguments: undefined }) {

return function /*fails*/(j, phase) {
    if (j.status === "breach")
        return true;
    if (j.status === "no-data")
        return j.policy === "fail" || (j.policy === "wait" && phase === "deadline");
    if (j.status === "fail")
        return phase !== "bake";
    return false;
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __versionName(__0) {
  return (function() {
    with({ versionName: __versionName, this: undefined, arguments: undefined }) {

return function /*versionName*/(version) {
    return /^v\d/.test(version) ? version : `v${version}`;
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __bothValues(__0, __1) {
  return (function() {
    with({ versionName: __versionName, formatValue: __formatValue, bothValues: __bothValues, this: undefined, arguments: undefined }) {

return function /*bothValues*/(result, versions) {
    return `canary ${versionName(versions.candidate)}=${formatValue(result.canary, result.unit)}, stable ${versionName(versions.stable)}=${formatValue(result.stable, result.unit)}`;
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __failureMessage(__0, __1, __2, __3) {
  return (function() {
    with({ bothValues: __bothValues, failureMessage: __failureMessage, this: undefined, arguments: undefined }) {

return function /*failureMessage*/(def, versions, result, phase) {
    let why = result.finding ?? result.status;
    if (result.status === "no-data") {
        why += result.policy === "wait" && phase === "deadline" ? ` still ${def.graceSeconds} s after the bake (no-data policy "wait")` : ` (no-data policy "${result.policy}")`;
    }
    return `gate "${def.stage}" failed: ${why} over ${def.window}; ${bothValues(result, versions)}`;
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __waits(__0) {
  return (function() {
    with({ waits: __waits, this: undefined, arguments: undefined }) {

return function /*waits*/(j) {
    return j.status === "no-data" && j.policy === "wait";
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __evaluateGate(__0, __1, __2, __3) {
  return (function() {
    with({ judgeTraffic: __judgeTraffic, judgeCheck: __judgeCheck, thresholdText: __thresholdText, fails: __fails, failureMessage: __failureMessage, waits: __waits, evaluateGate: __evaluateGate, this: undefined, arguments: undefined }) {

return function /*evaluateGate*/(def, versions, samples, phase) {
    const trafficJudged = judgeTraffic(def, samples.traffic);
    const traffic = {
        id: "traffic",
        title: "requests in the window (minimum-traffic guard)",
        unit: "requests",
        canary: samples.traffic.canary.value,
        stable: samples.traffic.stable.value,
        threshold: `>= ${def.minRequests} requests`,
        ...trafficJudged,
    };
    // Checks not judged for lack of traffic are reported once, through the traffic row.
    const reported = [traffic];
    const judged = def.checks.map((check) => {
        const s = samples.checks[check.id] ?? { canary: { value: null, reason: "not queried" }, stable: { value: null, reason: "not queried" } };
        const j = judgeCheck(def, check, s, trafficJudged, samples.traffic.stable);
        const result = { id: check.id, title: check.title, unit: check.unit, canary: s.canary.value, stable: s.stable.value, threshold: thresholdText(check), ...j };
        if (!(check.needsTraffic && trafficJudged.status !== "pass"))
            reported.push(result);
        return result;
    });
    const all = [traffic, ...judged];
    const failures = reported.filter((r) => fails(r, phase)).map((r) => failureMessage(def, versions, r, phase));
    const breached = all.some((r) => r.status === "breach");
    let verdict;
    if (failures.length > 0)
        verdict = "fail";
    else if (phase === "bake" || all.some(waits))
        verdict = "pending";
    else
        verdict = "pass";
    return { verdict, traffic, checks: judged, failures, breached };
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __progressLine(__0, __1, __2) {
  return (function() {
    with({ formatValue: __formatValue, progressLine: __progressLine, this: undefined, arguments: undefined }) {

return function /*progressLine*/(def, evaluation, elapsedSeconds) {
    const rows = [evaluation.traffic, ...evaluation.checks].map((r) => `${r.id} ${formatValue(r.canary, r.unit)} (${r.threshold}) ${r.status}`);
    return `health-gate "${def.stage}" ${Math.round(elapsedSeconds)}/${def.bakeSeconds} s: ${evaluation.verdict}; ${rows.join("; ")}`;
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __runGate(__0, __1, __2) {
  return (function() {
    with({ sampleGate: __sampleGate, verdict_1: __verdict_1, runGate: __runGate, this: undefined, arguments: undefined }) {

return async function /*runGate*/(def, versions, deps) {
    const intervalMs = def.intervalSeconds * 1000;
    const start = deps.now();
    const bakeEnd = start + def.bakeSeconds * 1000;
    const deadline = bakeEnd + def.graceSeconds * 1000;
    // Leave room for judging and logging inside the interval.
    const budgetMs = Math.max(1000, intervalMs * 0.9);
    for (let evaluations = 1;; evaluations++) {
        const tick = deps.now();
        const phase = tick >= deadline ? "deadline" : tick >= bakeEnd ? "end" : "bake";
        const samples = await sampleGate(def, versions, deps.query, tick / 1000, budgetMs);
        const evaluation = (0, verdict_1.evaluateGate)(def, versions, samples, phase);
        deps.log((0, verdict_1.progressLine)(def, evaluation, (tick - start) / 1000));
        if (evaluation.verdict === "fail") {
            let trafficCut;
            if (evaluation.breached && def.fastAbort && deps.cutTraffic) {
                try {
                    trafficCut = `traffic cut to 100 % stable: ${await deps.cutTraffic()}`;
                }
                catch (err) {
                    trafficCut = `traffic cut FAILED (the rollback update still moves traffic): ${err instanceof Error ? err.message : String(err)}`;
                }
                deps.log(`health-gate "${def.stage}": ${trafficCut}`);
            }
            const message = [...evaluation.failures, ...(trafficCut ? [trafficCut] : [])].join("\n");
            return { verdict: "fail", evaluation, message, evaluatedAt: tick, evaluations, trafficCut };
        }
        if (evaluation.verdict === "pass") {
            const message = `gate "${def.stage}" passed after ${evaluations} evaluation${evaluations === 1 ? "" : "s"} over ${Math.round((tick - start) / 1000)} s`;
            return { verdict: "pass", evaluation, message, evaluatedAt: tick, evaluations };
        }
        // The next tick, but never past the end of the bake or the deadline, so each is evaluated on time.
        let next = tick + intervalMs;
        if (tick < bakeEnd)
            next = Math.min(next, bakeEnd);
        else if (tick < deadline)
            next = Math.min(next, deadline);
        await deps.sleep(Math.max(0, next - deps.now()));
    }
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __objectPath(__0) {
  return (function() {
    with({ objectPath: __objectPath, this: undefined, arguments: undefined }) {

return function /*objectPath*/(target) {
    const ns = encodeURIComponent(target.namespace);
    return target.router === "istio"
        ? `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/${encodeURIComponent(target.virtualService)}`
        : `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/${encodeURIComponent(target.canaryIngress)}`;
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __describe(__0) {
  return (function() {
    with({ describe: __describe, this: undefined, arguments: undefined }) {

return function /*describe*/(target) {
    return target.router === "istio" ? `VirtualService ${target.namespace}/${target.virtualService}` : `Ingress ${target.namespace}/${target.canaryIngress}`;
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __nginxCutPatch() {
  return (function() {
    with({ NGINX: "nginx.ingress.kubernetes.io", nginxCutPatch: __nginxCutPatch, this: undefined, arguments: undefined }) {

return function /*nginxCutPatch*/() {
    return {
        metadata: {
            annotations: {
                [`${NGINX}/canary-weight`]: "0",
                [`${NGINX}/canary-by-header`]: null,
                [`${NGINX}/canary-by-header-value`]: null,
            },
        },
    };
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __apiError(__0, __1, __2) {
  return (function() {
    with({ apiError: __apiError, this: undefined, arguments: undefined }) {

return function /*apiError*/(what, status, body) {
    let message = body.slice(0, 300);
    try {
        message = JSON.parse(body).message ?? message;
    }
    catch {
        // not a Status object; keep the raw text
    }
    return new Error(`${what}: HTTP ${status}: ${message}`);
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __istioAllStable(__0, __1) {
  return (function() {
    with({ istioAllStable: __istioAllStable, this: undefined, arguments: undefined }) {

return function /*istioAllStable*/(vs, stableSubset) {
    return (vs.spec?.http ?? []).every((route) => {
        const destinations = route.route ?? [];
        if (destinations.length === 1)
            return destinations[0].destination?.subset === stableSubset;
        return destinations.every((d) => (d.destination?.subset === stableSubset ? d.weight === 100 : (d.weight ?? 0) === 0));
    });
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __istioCutPatch(__0, __1, __2) {
  return (function() {
    with({ istioCutPatch: __istioCutPatch, this: undefined, arguments: undefined }) {

return function /*istioCutPatch*/(vs, stableSubset, canarySubset) {
    const ops = [];
    if (vs.metadata?.resourceVersion)
        ops.push({ op: "test", path: "/metadata/resourceVersion", value: vs.metadata.resourceVersion });
    (vs.spec?.http ?? []).forEach((route, i) => {
        const destinations = route.route ?? [];
        if (destinations.length === 1) {
            if (destinations[0].destination?.subset === canarySubset) {
                ops.push({ op: "replace", path: `/spec/http/${i}/route/0/destination/subset`, value: stableSubset });
            }
            return;
        }
        destinations.forEach((d, j) => {
            const weight = d.destination?.subset === stableSubset ? 100 : 0;
            ops.push({ op: d.weight === undefined ? "add" : "replace", path: `/spec/http/${i}/route/${j}/weight`, value: weight });
        });
    });
    return ops;
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __cutTrafficToStable(__0, __1, __2) {
  return (function() {
    with({ objectPath: __objectPath, describe: __describe, nginxCutPatch: __nginxCutPatch, apiError: __apiError, istioAllStable: __istioAllStable, istioCutPatch: __istioCutPatch, cutTrafficToStable: __cutTrafficToStable, this: undefined, arguments: undefined }) {

return async function /*cutTrafficToStable*/(client, target, timeoutMs) {
    const path = objectPath(target);
    const what = describe(target);
    if (target.router === "nginx") {
        const res = await client.request(path, {
            method: "PATCH",
            headers: { "Content-Type": "application/merge-patch+json" },
            body: JSON.stringify(nginxCutPatch()),
            timeoutMs,
        });
        if (res.status !== 200)
            throw apiError(`patching ${what}`, res.status, res.body);
        return `${what}: canary-weight 0, header route removed`;
    }
    for (let attempt = 1;; attempt++) {
        const got = await client.request(path, { method: "GET", timeoutMs });
        if (got.status !== 200)
            throw apiError(`reading ${what}`, got.status, got.body);
        const vs = JSON.parse(got.body);
        if (istioAllStable(vs, target.stableSubset))
            return `${what}: already 100 % ${target.stableSubset}`;
        const res = await client.request(path, {
            method: "PATCH",
            headers: { "Content-Type": "application/json-patch+json" },
            body: JSON.stringify(istioCutPatch(vs, target.stableSubset, target.canarySubset)),
            timeoutMs,
        });
        if (res.status === 200)
            return `${what}: all routes 100 % ${target.stableSubset}`;
        // 409/422: the object changed between read and patch (the resourceVersion test failed); read again.
        if ((res.status === 409 || res.status === 422) && attempt < 3)
            continue;
        throw apiError(`patching ${what}`, res.status, res.body);
    }
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __runLiveGate(__0, __1) {
  return (function() {
    with({ prometheus_1: __prometheus_1, runGate: __runGate, trafficCut_1: __trafficCut_1, kubeApi_1: __kubeApi_1, runLiveGate: __runLiveGate, this: undefined, arguments: undefined }) {

return function /*runLiveGate*/(inputs, log) {
    const timeoutMs = inputs.gate.queryTimeoutSeconds * 1000;
    const prometheus = (0, prometheus_1.prometheusClient)(inputs.prometheus, timeoutMs);
    const cut = inputs.trafficCut;
    return runGate(inputs.gate, inputs.versions, {
        query: (promql, time, budgetMs) => prometheus.query(promql, time, budgetMs),
        now: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        log,
        cutTraffic: cut ? () => (0, trafficCut_1.cutTrafficToStable)((0, kubeApi_1.kubeClient)(cut.kubeconfig, cut.context), cut.target, timeoutMs) : undefined,
    });
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __evaluate(__0) {
  return (function() {
    with({ gateRun_1: __gateRun_1, evaluate: __evaluate, this: undefined, arguments: undefined }) {

return async function /*evaluate*/(inputs) {
    const p = inputs.prometheus;
    const live = {
        gate: inputs.gate,
        versions: { candidate: inputs.candidateVersion, stable: inputs.stableVersion },
        prometheus: typeof p.url === "string" ? { url: p.url } : { service: p.service, kubeconfig: p.kubeconfig, context: p.context },
        trafficCut: inputs.trafficCut ? { kubeconfig: inputs.trafficCut.kubeconfig, context: inputs.trafficCut.context, target: inputs.trafficCut.target } : undefined,
    };
    // The engine shows the provider's stdout as info diagnostics: the operator sees every evaluation.
    const result = await (0, gateRun_1.runLiveGate)(live, (line) => console.log(line));
    if (result.verdict === "fail")
        throw new Error(result.message);
    const checks = {};
    for (const r of [result.evaluation.traffic, ...result.evaluation.checks]) {
        // Outputs carry finite numbers only; +Inf latency stays visible in the finding.
        const finite = (v) => (v !== null && Number.isFinite(v) ? v : null);
        checks[r.id] = { status: r.status, canary: finite(r.canary), stable: finite(r.stable), unit: r.unit, threshold: r.threshold };
        if (r.finding)
            checks[r.id].finding = r.finding;
        if (r.note)
            checks[r.id].note = r.note;
    }
    return {
        stage: inputs.stage,
        candidateVersion: inputs.candidateVersion,
        stableVersion: inputs.stableVersion,
        gate: inputs.gate,
        verdict: result.verdict,
        checks,
        evaluatedAt: new Date(result.evaluatedAt).toISOString(),
        evaluations: result.evaluations,
        report: result.message,
    };
};

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __f3(__0) {
  return (function() {
    with({ evaluate: __evaluate, this: undefined, arguments: undefined }) {

return async function /*create*/(inputs) {
        const outs = await evaluate(inputs);
        return { id: `${inputs.stage}-${inputs.candidateVersion}-${outs.evaluatedAt}`, outs };
    };

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __f5(__0, __1, __2) {
  return (function() {
    with({ evaluate: __evaluate, this: undefined, arguments: undefined }) {

return async function /*update*/(_id, _olds, news) {
        return { outs: await evaluate(news) };
    };

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

function __f0() {
  return (function() {
    with({ provider: __provider, this: undefined, arguments: undefined }) {

return () => provider;

    }
  }).apply(undefined, undefined).apply(this, arguments);
}

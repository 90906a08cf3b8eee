// The test tiers, for `npm run test:fast`, `test:tools` and `test:e2e` (docs/testing.md). A test file is
// in the fast tier unless it is listed under tools or e2e, so no file can fall between the tiers.
const base = {
    require: ["ts-node/register/transpile-only"],
    extension: ["ts"],
    timeout: 60000,
    reporter: "./test/harness/summaryReporter.js",
};

/** Tests that start a real tool: Prometheus, promtool/amtool, luajit, kube-apiserver, Pulumi's language host and provider hosts. */
const tools = [
    "test/conformance/**/*.test.ts",
    "test/components/observability/rules.test.ts",
    "test/components/observability/dataStoreAlerts.test.ts",
    "test/components/observability/alertmanager.test.ts",
    "test/components/observability/redaction.test.ts",
    "test/providers/healthGate.test.ts",
    "test/providers/healthGate.host.test.ts",
    "test/providers/stageRecord.host.test.ts",
    "test/providers/healthGate.prometheus.test.ts",
    "test/providers/healthGate.convergence.test.ts",
    "test/providers/guard.live.test.ts",
    "test/bin/gate.test.ts",
    "test/languageHost.test.ts",
    "test/policies/packServer.test.ts",
    "test/security/scanner.test.ts",
];

/** The real Pulumi CLI on a simulated cluster. */
const e2e = ["test/e2e/**/*.test.ts"];

const tier = process.env.TEST_TIER;
const tiers = {
    fast: { ...base, spec: ["test/**/*.test.ts"], ignore: [...tools, ...e2e] },
    tools: { ...base, spec: tools },
    e2e: { ...base, spec: e2e, timeout: 600000 },
};
if (!tiers[tier]) throw new Error(`TEST_TIER must be one of ${Object.keys(tiers).join(", ")}; got ${tier}`);
module.exports = tiers[tier];

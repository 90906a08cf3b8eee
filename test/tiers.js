// The test tiers, for `npm run test:fast`, `test:tools` and `test:e2e` (docs/testing.md). A file's name
// says its tier: `*.tools.test.ts` starts a real tool (Prometheus, promtool/amtool, luajit, Checkov,
// kube-apiserver, Pulumi's hosts), `*.e2e.test.ts` runs the real Pulumi CLI on a simulated cluster,
// any other `*.test.ts` is fast. So no file can fall between the tiers.
const base = {
    require: ["ts-node/register/transpile-only"],
    extension: ["ts"],
    timeout: 60000,
    reporter: "./test/harness/summaryReporter.js",
};

const tools = "test/**/*.tools.test.ts";
const e2e = "test/**/*.e2e.test.ts";

const tier = process.env.TEST_TIER;
const tiers = {
    fast: { ...base, spec: ["test/**/*.test.ts"], ignore: [tools, e2e] },
    tools: { ...base, spec: [tools] },
    e2e: { ...base, spec: [e2e], timeout: 600000 },
};
if (!tiers[tier]) throw new Error(`TEST_TIER must be one of ${Object.keys(tiers).join(", ")}; got ${tier}`);
module.exports = tiers[tier];

import * as pulumi from "@pulumi/pulumi";
let captured: string | undefined;
pulumi.runtime.setMocks({
    newResource: (args) => { if (args.inputs.__provider) captured = args.inputs.__provider; return { id: "x", state: args.inputs }; },
    call: (args) => args.inputs,
}, "proj", "stack", false);
import { HealthGate } from "../providers/healthGate";
import { loadStackConfig } from "../config/stackFile";
import { gateForStage } from "../rollout/gates";
const c = loadStackConfig("production");
const t0 = Date.now();
const g = new HealthGate("g", { stage: "canary", candidateVersion: "5.1", stableVersion: "5.0", prometheus: { url: "http://127.0.0.1:9" }, gate: gateForStage(c.gates, c.metrics, "canary", 60) });
g.urn.apply(() => { setTimeout(() => { console.log("ms", Date.now() - t0, "len", captured?.length); require("fs").writeFileSync(".tmp-C/provider.js", captured ?? ""); }, 100); });

/**
 * Workload network rules (docs/policies.md): NetworkPolicies are enforced on EKS (the VPC CNI's
 * network policy agent is on), every pod of every Helm release is fenced, and no pod reaches anything
 * outside the platform by accident: an egress rule open to every address needs a written reason
 * (docs/network-fences.md).
 */
import * as networking from "@pulumi/kubernetes/networking/v1";
import { ResourceValidationPolicy, StackValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { CHART_PODS } from "./chartPods";
import { ConfigProperties, UNKNOWN, configOf, describe, ofType, peek, whenKnown } from "./lib";
import { isolationGap, isolationOf } from "./workloads";

/** What a vpc-cni add-on's configurationValues say about the network policy agent; undefined when it is on. */
export function cniNetworkPolicyProblem(configurationValues: string | undefined): string | undefined {
    if (!configurationValues) return "has no configurationValues, so the network policy agent is off (the add-on's default)";
    let values: unknown;
    try {
        values = JSON.parse(configurationValues);
    } catch {
        return "has configurationValues that are not JSON";
    }
    const enabled = (values as Record<string, unknown> | null)?.enableNetworkPolicy;
    return enabled === "true" || enabled === true
        ? undefined
        : `sets enableNetworkPolicy to ${JSON.stringify(enabled)}, so the network policy agent is off`;
}

export const cniNetworkPolicy: StackValidationPolicy = {
    name: "aws-eks-cni-network-policy",
    description:
        "Every EKS cluster runs the managed vpc-cni add-on with its network policy agent enabled (enableNetworkPolicy), so NetworkPolicies are enforced.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        // An add-on whose name or cluster is unknown during preview may be this cluster's vpc-cni.
        const addons = ofType(args, "aws:eks/addon:Addon").map((a) => ({ addon: a, name: peek(() => a.props.addonName) }));
        const candidates = addons.filter((a) => a.name === "vpc-cni" || a.name === UNKNOWN);
        for (const cluster of ofType(args, "aws:eks/cluster:Cluster")) {
            const clusterName = peek(() => cluster.props.name);
            const own = candidates.filter(({ addon }) => {
                const name = peek(() => addon.props.clusterName);
                return name === UNKNOWN || clusterName === UNKNOWN || name === clusterName;
            });
            if (own.length === 0) {
                report(`${describe(cluster)} has no vpc-cni add-on, so nothing enforces its NetworkPolicies.`, cluster.urn);
                continue;
            }
            for (const { addon, name } of own) {
                if (name !== "vpc-cni") continue;
                const values = peek(() => addon.props.configurationValues as string | undefined);
                if (values === UNKNOWN) continue;
                const problem = cniNetworkPolicyProblem(values);
                if (problem) report(`${describe(addon)} ${problem}; NetworkPolicies are accepted but not enforced.`, addon.urn);
            }
        }
    },
};

const openEgressSchema: ConfigProperties = {
    // The program's OPEN_EGRESS_REASON_ANNOTATION (components/kubernetes/networkPeers.ts).
    reasonAnnotation: {
        type: "string",
        default: "claude-enhancer.io/open-egress-reason",
        description: "NetworkPolicy annotation giving the reason for its egress open to any address.",
    },
};

interface EgressPeer {
    ipBlock?: { cidr?: string };
    namespaceSelector?: unknown;
    podSelector?: unknown;
}
interface EgressRule {
    to?: EgressPeer[];
    ports?: { protocol?: string; port?: number | string }[];
}

/** What an egress rule opens to any address ("any destination", "0.0.0.0/0"), or undefined when it names its destinations. */
export function openDestination(rule: EgressRule): string | undefined {
    if (!rule.to || rule.to.length === 0) return "any destination (no `to`)";
    return rule.to.map((peer) => peer.ipBlock?.cidr).find((cidr) => cidr !== undefined && cidr.endsWith("/0"));
}

function portsOf(rule: EgressRule): string {
    if (!rule.ports || rule.ports.length === 0) return "every port";
    return rule.ports.map((p) => `${p.protocol ?? "TCP"} ${p.port ?? "any"}`).join(", ");
}

export const noOpenEgress: ResourceValidationPolicy = {
    name: "k8s-no-open-egress",
    description: "No NetworkPolicy allows egress to 0.0.0.0/0, ::/0 or any destination unless an annotation on the NetworkPolicy says why.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: { properties: openEgressSchema },
    validateResource: validateResourceOfType(
        networking.NetworkPolicy,
        whenKnown((policy, args, report) => {
            const { reasonAnnotation } = configOf<{ reasonAnnotation: string }>(args, openEgressSchema);
            if ((policy.metadata?.annotations?.[reasonAnnotation] ?? "").trim() !== "") return;
            (policy.spec?.egress ?? []).forEach((rule, i) => {
                const open = openDestination(rule as EgressRule);
                if (open)
                    report(
                        `egress rule ${i + 1} (${portsOf(rule as EgressRule)}) reaches ${open} without a "${reasonAnnotation}" annotation saying why.`,
                    );
            });
        }),
    ),
};

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/**
 * The chart a release installs, whichever way it names it: `name` from a repository, `oci://host/path/name`,
 * or a mirror's archive `<dir>/<name>-<version>.tgz` (charts.mirror, docs/configuration.md).
 */
export function chartNameOf(chart: string, version: string): string {
    const last = chart.split("/").pop() ?? "";
    if (!last.endsWith(".tgz")) return last;
    const archive = last.slice(0, -".tgz".length);
    return version !== "" && archive.endsWith(`-${version}`) ? archive.slice(0, -(version.length + 1)) : archive.replace(/-v?\d[^-]*$/, "");
}

export const chartNetworkPolicy: StackValidationPolicy = {
    name: "k8s-chart-network-policy",
    description:
        "Every pod a Helm release runs (its chart's pods, by their labels: policies/chartPods.ts) is isolated for ingress and egress by NetworkPolicies of the release's namespace; a chart the table does not know is reported.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const policies = ofType(args, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
        for (const release of ofType(args, HELM_RELEASE)) {
            // Anything unknown during preview leaves this release to the check at update.
            const problems = peek(() => {
                const chart = chartNameOf(String(release.props.chart ?? ""), String(release.props.version ?? ""));
                const pods = chart ? CHART_PODS[chart] : undefined;
                if (!pods) return [`installs chart "${chart}", which policies/chartPods.ts does not know, so its pods cannot be checked.`];
                const name: unknown = release.props.name;
                if (typeof name !== "string" || name === "") return ["has no fixed name, so its pods' labels are not known."];
                const namespace: string = release.props.namespace ?? "default";
                return pods(name).flatMap((group) => {
                    if (group.hostNetwork) return [];
                    const isolation = isolationOf(policies, namespace, group.labels);
                    const gap = isolation.selected ? isolationGap(isolation) : "selected by no NetworkPolicy";
                    const labels = Object.entries(group.labels)
                        .map(([k, v]) => `${k}=${v}`)
                        .join(",");
                    return gap ? [`runs ${group.component} pods (${labels}) ${gap} in namespace ${namespace}.`] : [];
                });
            });
            if (problems === UNKNOWN) continue;
            for (const problem of problems) report(`${describe(release)} ${problem}`, release.urn);
        }
    },
};

export const workloadNetworkPolicies = [cniNetworkPolicy, noOpenEgress, chartNetworkPolicy];

import type { PlatformConfig } from "../config";
import type { NodeGroupConfig } from "../config/cluster";
import { APP_AWS_APIS } from "../config/app";
import { scheduledNodeGroups, weeklyFullSizeHours } from "./offHours";
import { HOURS_PER_MONTH, LIST_PRICES, PRICE_REGION, PRICES_AS_OF, PriceTable, SPOT_PRICE_FACTOR } from "./prices";

export interface CostLineItem {
    component: "EKS" | "EC2" | "RDS" | "ElastiCache" | "VPC";
    item: string;
    /** The arithmetic, in words and list prices, so a reader can redo it. */
    formula: string;
    /** Rounded to cents; the total is the sum of the rounded items. */
    monthlyUsd: number;
}

export interface CostEstimate {
    stack: string;
    region: string;
    pricesAsOf: string;
    lineItems: CostLineItem[];
    totalUsd: number;
    /** What the baseline leaves out and why. */
    excluded: string[];
}

const HOURS_PER_WEEK = 168;

const cents = (usd: number): number => Math.round(usd * 100) / 100;

/** Unit prices with 2 to 4 decimals: $0.0416, $0.10, $0.225. */
const usd = (n: number): string => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`;
const num = (n: number): string => `${Number(n.toFixed(2))}`;

function priceOf(table: Record<string, number>, type: string, what: string): number {
    const price = table[type];
    if (price === undefined) {
        throw new Error(`no ${what} list price for ${type} in cost/prices.ts; add it (us-east-1 on-demand, as of ${PRICES_AS_OF})`);
    }
    return price;
}

export const EXCLUDED_FROM_BASELINE = [
    "Data transfer: NAT gateway data processing ($0.045/GB), cross-AZ traffic, cross-region replication of the database and the backup bucket — usage-dependent.",
    "S3 storage and requests of the backup, log-archive and DR buckets; AWS Backup recovery points; RDS backup storage beyond the free 100 % of provisioned storage — grow with data.",
    "CloudWatch Logs ingestion and storage (EKS control-plane logs, VPC flow logs) — grow with traffic.",
    "ECR image storage ($0.10/GB-month) and interface endpoint data processing ($0.01/GB) — grow with releases and traffic.",
    "KMS keys ($1/key-month), Secrets Manager secrets ($0.40/secret-month), CloudWatch alarms ($0.10/alarm-month), load balancers created by the ingress, persistent volumes of in-cluster workloads (Prometheus) — small or created outside the stack config's counts.",
    "Storage autoscaling above allocatedStorageGb, node-group autoscaling above desiredSize, EKS extended-support surcharge for Kubernetes versions past standard support.",
];

interface NodeHours {
    /** Average nodes over the month. */
    averageNodes: number;
    /** How the average came about, for the formula. */
    explanation: string;
}

function nodeHours(group: NodeGroupConfig, fullSizeHoursPerWeek: number | undefined, minNodes: number): NodeHours {
    if (fullSizeHoursPerWeek === undefined) return { averageNodes: group.desiredSize, explanation: `${group.desiredSize}` };
    const fraction = fullSizeHoursPerWeek / HOURS_PER_WEEK;
    const offHours = HOURS_PER_WEEK - fullSizeHoursPerWeek;
    return {
        averageNodes: group.desiredSize * fraction + minNodes * (1 - fraction),
        explanation: `(${group.desiredSize} × ${num(fullSizeHoursPerWeek)}/${HOURS_PER_WEEK} + ${minNodes} × ${num(offHours)}/${HOURS_PER_WEEK} off-hours)`,
    };
}

function nodeGroupItems(config: PlatformConfig, prices: PriceTable): CostLineItem[] {
    if (config.cluster.mode !== "eks") return [];
    const scheduled = new Set(scheduledNodeGroups(config.offHours, config.cluster.nodeGroups).map((g) => g.name));
    const fullSizeHoursPerWeek = scheduled.size > 0 ? weeklyFullSizeHours(config.offHours) : undefined;
    return config.cluster.nodeGroups.flatMap((group): CostLineItem[] => {
        const type = group.instanceTypes[0];
        const hourly = priceOf(prices.ec2Hourly, type, "EC2");
        const spot = group.capacityType === "SPOT";
        const { averageNodes, explanation } = nodeHours(
            group,
            scheduled.has(group.name) ? fullSizeHoursPerWeek : undefined,
            config.offHours.minNodes,
        );
        const factor = spot ? SPOT_PRICE_FACTOR : 1;
        return [
            {
                component: "EC2",
                item: `node group ${group.name}: ${group.desiredSize} × ${type}${spot ? " spot" : ""}`,
                formula: `${explanation} × ${usd(hourly)}/h${spot ? ` × ${SPOT_PRICE_FACTOR} (spot)` : ""} × ${HOURS_PER_MONTH} h`,
                monthlyUsd: cents(averageNodes * hourly * factor * HOURS_PER_MONTH),
            },
            {
                component: "EC2",
                item: `node group ${group.name}: root volumes gp3 ${group.diskSizeGb} GB`,
                formula: `${explanation} × ${group.diskSizeGb} GB × ${usd(prices.ebsGp3GbMonth)}/GB-month`,
                monthlyUsd: cents(averageNodes * group.diskSizeGb * prices.ebsGp3GbMonth),
            },
        ];
    });
}

function databaseItems(config: PlatformConfig, prices: PriceTable): CostLineItem[] {
    const db = config.database;
    if (db.mode !== "rds") return [];
    const items: CostLineItem[] = [];
    const azFactor = db.multiAz ? 2 : 1;
    const azText = db.multiAz ? " × 2 (Multi-AZ standby)" : "";
    const primaryHourly = priceOf(prices.rdsPostgresHourly, db.instanceClass, "RDS for PostgreSQL");
    items.push(
        {
            component: "RDS",
            item: `primary ${db.instanceClass}${db.multiAz ? " Multi-AZ" : ""}`,
            formula: `${usd(primaryHourly)}/h × ${HOURS_PER_MONTH} h${azText}`,
            monthlyUsd: cents(primaryHourly * HOURS_PER_MONTH * azFactor),
        },
        {
            component: "RDS",
            item: `primary storage gp3 ${db.allocatedStorageGb} GB`,
            formula: `${db.allocatedStorageGb} GB × ${usd(prices.rdsGp3GbMonth)}/GB-month${azText}`,
            monthlyUsd: cents(db.allocatedStorageGb * prices.rdsGp3GbMonth * azFactor),
        },
    );
    // The same-region replica is Single-AZ; the DR replica mirrors the primary's Multi-AZ setting.
    const replicas: { item: string; instanceClass: string; multiAz: boolean }[] = [];
    if (db.readReplica) replicas.push({ item: "read replica", instanceClass: db.instanceClass, multiAz: false });
    if (config.dr.enabled) {
        replicas.push({
            item: "DR cross-region replica",
            instanceClass: config.dr.replicaInstanceClass ?? db.instanceClass,
            multiAz: db.multiAz,
        });
    }
    for (const replica of replicas) {
        const hourly = priceOf(prices.rdsPostgresHourly, replica.instanceClass, "RDS for PostgreSQL");
        const factor = replica.multiAz ? 2 : 1;
        const factorText = replica.multiAz ? " × 2 (Multi-AZ standby)" : "";
        items.push(
            {
                component: "RDS",
                item: `${replica.item} ${replica.instanceClass}${replica.multiAz ? " Multi-AZ" : ""}`,
                formula: `${usd(hourly)}/h × ${HOURS_PER_MONTH} h${factorText}`,
                monthlyUsd: cents(hourly * HOURS_PER_MONTH * factor),
            },
            {
                component: "RDS",
                item: `${replica.item} storage gp3 ${db.allocatedStorageGb} GB`,
                formula: `${db.allocatedStorageGb} GB × ${usd(prices.rdsGp3GbMonth)}/GB-month${factorText}`,
                monthlyUsd: cents(db.allocatedStorageGb * prices.rdsGp3GbMonth * factor),
            },
        );
    }
    return items;
}

function cacheItems(config: PlatformConfig, prices: PriceTable): CostLineItem[] {
    const cache = config.cache;
    if (cache.mode !== "elasticache") return [];
    const hourly = priceOf(prices.elastiCacheHourly, cache.nodeType, "ElastiCache");
    const nodes = cache.shards * (1 + cache.replicasPerShard);
    return [
        {
            component: "ElastiCache",
            item: `${nodes} × ${cache.nodeType} (${cache.shards} shard(s) × (1 + ${cache.replicasPerShard} replica(s)))`,
            formula: `${nodes} × ${usd(hourly)}/h × ${HOURS_PER_MONTH} h`,
            monthlyUsd: cents(nodes * hourly * HOURS_PER_MONTH),
        },
    ];
}

/**
 * A stack's monthly baseline at list prices, from its validated configuration: what runs all month
 * at the configured counts and sizes. Usage-dependent charges are listed in `excluded`, not guessed.
 */
export function estimateMonthlyCost(stack: string, config: PlatformConfig, prices: PriceTable = LIST_PRICES): CostEstimate {
    const lineItems: CostLineItem[] = [];
    if (config.cluster.mode === "eks") {
        lineItems.push({
            component: "EKS",
            item: "control plane",
            formula: `${usd(prices.eksControlPlaneHourly)}/h × ${HOURS_PER_MONTH} h`,
            monthlyUsd: cents(prices.eksControlPlaneHourly * HOURS_PER_MONTH),
        });
        lineItems.push(...nodeGroupItems(config, prices));
    }
    lineItems.push(...databaseItems(config, prices), ...cacheItems(config, prices));
    if (config.cluster.mode === "eks") {
        const nat = config.network.natGateways;
        lineItems.push({
            component: "VPC",
            item: `${nat} NAT gateway(s), hourly charge`,
            formula: `${nat} × ${usd(prices.natGatewayHourly)}/h × ${HOURS_PER_MONTH} h (data processing excluded)`,
            monthlyUsd: cents(nat * prices.natGatewayHourly * HOURS_PER_MONTH),
        });
        // The service reads its RDS credentials through Secrets Manager and STS endpoints, one interface per AZ.
        if (config.database.mode === "rds") {
            const endpoints = APP_AWS_APIS.length;
            const azs = config.network.azCount;
            lineItems.push({
                component: "VPC",
                item: `${endpoints} interface endpoints (${APP_AWS_APIS.join(", ")}) × ${azs} AZs`,
                formula: `${endpoints} × ${azs} × ${usd(prices.interfaceEndpointAzHourly)}/h × ${HOURS_PER_MONTH} h (data processing excluded)`,
                monthlyUsd: cents(endpoints * azs * prices.interfaceEndpointAzHourly * HOURS_PER_MONTH),
            });
        }
    }
    return {
        stack,
        region: PRICE_REGION,
        pricesAsOf: PRICES_AS_OF,
        lineItems,
        totalUsd: cents(lineItems.reduce((sum, i) => sum + i.monthlyUsd, 0)),
        excluded: lineItems.length > 0 ? EXCLUDED_FROM_BASELINE : [],
    };
}

const money = (n: number): string => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** Plain-text report for the terminal. */
export function formatText(estimates: CostEstimate[]): string {
    const lines: string[] = [];
    for (const e of estimates) {
        lines.push(`${e.stack}: ${money(e.totalUsd)} / month (${e.region} list prices as of ${e.pricesAsOf})`);
        if (e.lineItems.length === 0) lines.push("  no AWS resources in this stack's configuration");
        const width = Math.max(0, ...e.lineItems.map((i) => `${i.component} ${i.item}`.length));
        for (const i of e.lineItems) {
            lines.push(`  ${`${i.component} ${i.item}`.padEnd(width)}  ${money(i.monthlyUsd).padStart(10)}  = ${i.formula}`);
        }
        lines.push("");
    }
    const excluded = estimates.find((e) => e.excluded.length > 0)?.excluded ?? [];
    if (excluded.length > 0) lines.push("Not in the baseline:", ...excluded.map((x) => `  - ${x}`));
    return lines.join("\n");
}

/** The README's cost section: a summary table and one line-item table per stack. */
export function formatMarkdown(estimates: CostEstimate[]): string {
    const first = estimates[0];
    const lines = [
        `Monthly baseline at ${first?.region ?? PRICE_REGION} on-demand list prices as of ${first?.pricesAsOf ?? PRICES_AS_OF} ` +
            `(${HOURS_PER_MONTH} h/month; spot at ${SPOT_PRICE_FACTOR * 100} % of on-demand; node groups priced at their first instance type; ` +
            "DR-region resources at the same rates). " +
            "Generated by `npm run cost -- --markdown` from the stack files.",
        "",
        "| stack | USD / month |",
        "|---|---:|",
        ...estimates.map((e) => `| ${e.stack} | ${money(e.totalUsd)} |`),
    ];
    for (const e of estimates) {
        lines.push("", `**${e.stack}** — ${money(e.totalUsd)}`, "");
        if (e.lineItems.length === 0) {
            lines.push("No AWS resources: the cluster comes from a kubeconfig and the data services run in it.");
            continue;
        }
        lines.push("| component | item | formula | USD / month |", "|---|---|---|---:|");
        for (const i of e.lineItems) lines.push(`| ${i.component} | ${i.item} | ${i.formula} | ${money(i.monthlyUsd)} |`);
    }
    const excluded = estimates.find((e) => e.excluded.length > 0)?.excluded ?? [];
    if (excluded.length > 0) lines.push("", "Not in the baseline:", "", ...excluded.map((x) => `- ${x}`));
    return lines.join("\n");
}

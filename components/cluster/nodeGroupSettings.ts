import { instanceArchitecture, NodeGroupConfig } from "../../config/cluster";
import { LABEL_DOMAIN } from "../../identity";

/** Node label carrying the node group's role (system | app), for node selectors and policies. */
export const NODE_ROLE_LABEL = `${LABEL_DOMAIN}/role`;

/** Taint keeping everything but cluster add-ons (which tolerate it) off the system nodes. */
export const SYSTEM_TAINT = { key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" } as const;

/** The settings of one EKS managed node group derived from its stack configuration. */
export interface NodeGroupSettings {
    amiType: "AL2023_x86_64_STANDARD" | "AL2023_ARM_64_STANDARD";
    capacityType: "ON_DEMAND" | "SPOT";
    instanceTypes: string[];
    scalingConfig: { minSize: number; desiredSize: number; maxSize: number };
    labels: Record<string, string>;
    taints: { key: string; value: string; effect: "NO_SCHEDULE" }[];
}

export function nodeGroupSettings(group: NodeGroupConfig): NodeGroupSettings {
    return {
        // The schema guarantees one architecture per group; Amazon Linux 2023 is the AMI family EKS supports going forward.
        amiType: instanceArchitecture(group.instanceTypes[0]) === "arm64" ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD",
        capacityType: group.capacityType,
        instanceTypes: group.instanceTypes,
        scalingConfig: { minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.maxSize },
        labels: { [NODE_ROLE_LABEL]: group.role },
        taints: group.role === "system" ? [{ ...SYSTEM_TAINT }] : [],
    };
}

import { z } from "zod";

/** Any IPv4 CIDR block (octets up to 255, prefix up to /32). */
export const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;

/** Retention periods CloudWatch Logs accepts. */
export const CLOUDWATCH_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

export const NetworkSchema = z
    .strictObject({
        /** VPC CIDR block; /16 leaves room for /20 subnets in 3 AZs. */
        cidr: z
            .string()
            .regex(CIDR, "an IPv4 CIDR block such as 10.0.0.0/16")
            .refine((v) => {
                const m = CIDR.exec(v);
                return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) >= 16 && Number(m[5]) <= 24;
            }, "an IPv4 CIDR block with octets <= 255 and a prefix between /16 and /24")
            .default("10.0.0.0/16"),
        azCount: z.number().int().min(2).max(6).default(3),
        /** 1 shares a NAT gateway across AZs (cheaper, one AZ's outage cuts egress); azCount gives one per AZ. */
        natGateways: z.number().int().min(1).max(6).default(1),
        flowLogRetentionDays: z
            .number()
            .int()
            .refine((d) => CLOUDWATCH_RETENTION_DAYS.includes(d), {
                message: `a CloudWatch Logs retention period: one of ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`,
            })
            .default(30),
    })
    .refine((n) => n.natGateways <= n.azCount, {
        message: "natGateways <= azCount (a NAT gateway lives in one AZ's public subnet)",
        path: ["natGateways"],
    });

export type NetworkConfig = z.infer<typeof NetworkSchema>;

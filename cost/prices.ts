/**
 * AWS list prices the cost estimate multiplies: us-east-1, on-demand, Linux, USD. They are list prices
 * recorded by hand from the AWS pricing pages, not fetched: when AWS changes them, update the numbers
 * and PRICES_AS_OF together. Types missing here make `npm run cost` fail naming the type to add.
 */
export const PRICES_AS_OF = "2025-06-01";
export const PRICE_REGION = "us-east-1";

/** AWS bills a month as 730 hours (8760 / 12). */
export const HOURS_PER_MONTH = 730;

/**
 * Spot is not a list price: it moves with supply. The estimate assumes spot instances cost 35 % of
 * on-demand (a 65 % discount, inside the 60–90 % range AWS advertises for these families).
 */
export const SPOT_PRICE_FACTOR = 0.35;

export interface PriceTable {
    /** EKS cluster, standard Kubernetes version support, per hour. */
    eksControlPlaneHourly: number;
    /** NAT gateway, per hour (data processing, per GB, is not included). */
    natGatewayHourly: number;
    /** Interface VPC endpoint (PrivateLink), per endpoint per AZ per hour (data processing, per GB, is not included). */
    interfaceEndpointAzHourly: number;
    /** EBS gp3 volume, per GB-month (baseline 3000 IOPS / 125 MB/s included). */
    ebsGp3GbMonth: number;
    /** RDS gp3 storage, Single-AZ, per GB-month; Multi-AZ bills it twice. */
    rdsGp3GbMonth: number;
    /** EC2 on-demand Linux, per hour. */
    ec2Hourly: Record<string, number>;
    /** RDS for PostgreSQL on-demand, Single-AZ, per hour; Multi-AZ bills the standby too (x2). */
    rdsPostgresHourly: Record<string, number>;
    /** ElastiCache for Redis OSS on-demand, per node-hour. */
    elastiCacheHourly: Record<string, number>;
}

export const LIST_PRICES: PriceTable = {
    eksControlPlaneHourly: 0.1,
    natGatewayHourly: 0.045,
    interfaceEndpointAzHourly: 0.01,
    ebsGp3GbMonth: 0.08,
    rdsGp3GbMonth: 0.115,
    ec2Hourly: {
        "t3.small": 0.0208,
        "t3.medium": 0.0416,
        "t3.large": 0.0832,
        "t3.xlarge": 0.1664,
        "t3a.medium": 0.0376,
        "t3a.large": 0.0752,
        "m5.large": 0.096,
        "m5.xlarge": 0.192,
        "m5.2xlarge": 0.384,
        "m6i.large": 0.096,
        "m6i.xlarge": 0.192,
        "m6g.large": 0.077,
        "m6g.xlarge": 0.154,
        "c5.large": 0.085,
        "c6i.large": 0.085,
        "r5.large": 0.126,
        "r6i.large": 0.126,
    },
    rdsPostgresHourly: {
        "db.t3.micro": 0.018,
        "db.t3.small": 0.036,
        "db.t3.medium": 0.072,
        "db.t4g.micro": 0.016,
        "db.t4g.small": 0.032,
        "db.t4g.medium": 0.065,
        "db.t4g.large": 0.129,
        "db.m6g.large": 0.159,
        "db.m6g.xlarge": 0.318,
        "db.r6g.large": 0.225,
        "db.r6g.xlarge": 0.45,
        "db.r6g.2xlarge": 0.899,
    },
    elastiCacheHourly: {
        "cache.t4g.micro": 0.016,
        "cache.t4g.small": 0.032,
        "cache.t4g.medium": 0.065,
        "cache.t3.medium": 0.068,
        "cache.m6g.large": 0.149,
        "cache.r6g.large": 0.206,
        "cache.r6g.xlarge": 0.411,
    },
};

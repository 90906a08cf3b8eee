/** The subnets of one availability zone and the NAT gateway its private subnet egresses through. */
export interface AzSubnets {
    publicCidr: string;
    privateCidr: string;
    /** Index of the NAT gateway (living in public subnet of that index) the private route table uses. */
    natGatewayIndex: number;
}

function parseIpv4(address: string): number {
    const octets = address.split(".").map(Number);
    if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255))
        throw new Error(`not an IPv4 address: ${address}`);
    return octets.reduce((acc, octet) => acc * 256 + octet, 0);
}

function formatIpv4(value: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** Splits an IPv4 CIDR block into `2 ** newBits` equal blocks, in address order. */
export function splitCidr(cidr: string, newBits: number): string[] {
    const [address, prefixText] = cidr.split("/");
    const prefix = Number(prefixText);
    const prefixLength = prefix + newBits;
    if (!Number.isInteger(prefix) || prefix < 0 || prefixLength > 32) throw new Error(`cannot split ${cidr} into /${prefixLength} blocks`);
    const blockSize = 2 ** (32 - prefixLength);
    const base = parseIpv4(address) - (parseIpv4(address) % 2 ** (32 - prefix));
    return Array.from({ length: 2 ** newBits }, (_, i) => `${formatIpv4(base + i * blockSize)}/${prefixLength}`);
}

/** AWS refuses subnets smaller than /28. */
const SMALLEST_SUBNET_PREFIX = 28;

/**
 * The subnet layout of the VPC: the block is split into the fewest equal power-of-two slices that
 * hold a private and a public subnet per AZ; private subnets take the first slices (the VPC CNI gives
 * every pod a VPC address, so they get the low, contiguous range), public ones the next; the rest stays
 * free. Private route tables spread over the NAT gateways round-robin: one gateway serves every AZ,
 * `azCount` gateways give each AZ its own.
 */
export function subnetPlan(vpcCidr: string, azCount: number, natGateways: number): AzSubnets[] {
    if (natGateways < 1 || natGateways > azCount)
        throw new Error(`natGateways must be between 1 and azCount (${azCount}), got ${natGateways}`);
    const newBits = Math.ceil(Math.log2(2 * azCount));
    const slices = splitCidr(vpcCidr, newBits);
    const prefix = Number(slices[0].split("/")[1]);
    if (prefix > SMALLEST_SUBNET_PREFIX)
        throw new Error(`${vpcCidr} is too small for ${2 * azCount} subnets of at least /${SMALLEST_SUBNET_PREFIX}`);
    return Array.from({ length: azCount }, (_, az) => ({
        privateCidr: slices[az],
        publicCidr: slices[azCount + az],
        natGatewayIndex: az % natGateways,
    }));
}

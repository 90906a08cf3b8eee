/** `npm run docs:capacity`: prints the "Capacity per stage" tables of docs/capacity.md, computed from the stack files. */
import { shippedCapacityMarkdown } from "../config/capacityDocs";

console.log(shippedCapacityMarkdown());

import { imageSupplyPolicies } from "../../policies/imageSupply";
import { describePolicies } from "./harness";
import { imageSupplyCases } from "./imageSupply.cases";

describePolicies("Image supply policies", imageSupplyPolicies, imageSupplyCases);

/**
 * The outbound-request policy shared by the control plane and the agent: every URL or address a
 * user chose (a seed API, a public host to check, a connectivity check, later an alert webhook)
 * is reached only through `fetchForUser` / `connectTcpForUser`.
 */
export { classifyAddress, embeddedIPv4, type AddressClass } from './address-class.js';
export {
  ALLOWABLE_CLASSES,
  OutboundConfigError,
  isMetadataName,
  judgeAddress,
  outboundPolicy,
  type AddressVerdict,
  type AllowableClass,
  type OutboundPolicy,
} from './policy.js';
export {
  OUTBOUND_REASONS,
  OutboundError,
  describeOutbound,
  statusClassOf,
  toOutboundError,
  type OutboundReason,
  type StatusClass,
} from './outbound-error.js';
export { pinnedLookup, vetHost, type Resolver, type VettedAddress } from './resolve.js';
export { fetchForUser, outboundLabel, requireSuccess, type UserFetchInit } from './fetch-for-user.js';
export { connectTcpForUser } from './connect-tcp.js';

/**
 * nf_tables for nlts (NETLINK_NETFILTER, `NFNL_SUBSYS_NFTABLES`): the
 * firewall distributions ship today. List tables, chains, rules (their
 * expressions as typed objects), sets with their elements, stateful
 * objects (counters, quotas, limits, ct helpers, timeouts, expectations,
 * synproxies…) and flowtables ({@link Nftables}); change them in atomic transactions sent as one
 * batch ({@link Nftables.transaction}); build common rules the way `nft`
 * writes them ({@link rule}).
 *
 * @example
 * ```ts
 * import { Nftables, rule } from "@nlts/netlink/nftables";
 * await using nft = await Nftables.open({ netns: "test" });
 * await nft.transaction((tx) => {
 *   tx.addTable({ family: "inet", name: "filter" });
 *   tx.addChain({ family: "inet", table: "filter", name: "input", type: "filter", hook: "input", priority: 0 });
 *   tx.addRule({ family: "inet", table: "filter", chain: "input", expressions: rule().tcpDport(22).accept() });
 * });
 * ```
 *
 * @module
 */
export {
  describeNftType,
  familyOf,
  hookName,
  hookNumber,
  NFNL_MSG_BATCH_BEGIN,
  NFNL_MSG_BATCH_END,
  NFNL_SUBSYS_NFTABLES,
  NFNLGRP_NFTABLES,
  NFPROTO,
  NFT_MSG,
  type NftFamily,
  type NftHook,
  VERDICTS,
} from "./constants.ts";
export {
  chainAttrs,
  decodeChain,
  decodeFlowtable,
  decodeGeneration,
  decodeGenerationMessage,
  decodeObject,
  decodeRule,
  decodeSet,
  decodeSetElements,
  decodeTable,
  exprAttrs,
  expressionFormats,
  flowtableAttrs,
  genAttrs,
  type KnownExpressionName,
  nftAttributePath,
  objAttrs,
  objectFormats,
  ruleAttrs,
  setAttrs,
  setElemListAttrs,
  tableAttrs,
  writeExpression,
} from "./schema.ts";
export {
  type BitwiseExpression,
  type CmpExpression,
  commentUserdata,
  type ConnlimitExpression,
  type CounterExpression,
  type CtExpression,
  type Expression,
  type ExpressionExtra,
  type FibExpression,
  type FlowOffloadExpression,
  type ImmediateExpression,
  type KnownExpression,
  type LimitExpression,
  type LogExpression,
  type LookupExpression,
  type MasqExpression,
  type MetaExpression,
  type NatExpression,
  type NftChain,
  type NftData,
  type NftFlowtable,
  type NftObject,
  type NftRule,
  type NftSet,
  type NftSetElement,
  type NftTable,
  type NftVerdict,
  type ObjrefExpression,
  type OtherKnownExpression,
  type PayloadExpression,
  type QuotaExpression,
  type RangeExpression,
  type RawExpression,
  type RedirExpression,
  type Register,
  type RejectExpression,
  type SynproxyExpression,
  userdataComment,
} from "./objects.ts";
export {
  type ChainRef,
  type ChainSpec,
  type Echoes,
  type ElementSpec,
  type FlowtableSpec,
  type L4Proto,
  NftTransactionError,
  type ObjectSpec,
  type ObjectType,
  type Operation,
  type RuleSpec,
  type SetSpec,
  type TableRef,
  type TableSpec,
  Transaction,
} from "./transaction.ts";
export {
  Nftables,
  type NftablesOptions,
  type NftRuleset,
  type TransactionOptions,
  type TransactionResult,
} from "./client.ts";
export { type CtState, type Match, type MatchOptions, rule, RuleBuilder } from "./rule.ts";
export { decodeNftEvent, type NftEvent, type NftEventAction, type NftEventOptions, NftEventStream } from "./events.ts";

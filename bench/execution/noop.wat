;; The smallest useful canister: an update and a query that reply with nothing. What an "empty
;; message" costs is everything around the Wasm: induction, scheduling, the call context, cycles,
;; the System API, memory snapshots, the ingress history.
(module
  (import "ic0" "msg_reply" (func $reply))
  (memory 1)
  (func (export "canister_update noop") (call $reply))
  (func (export "canister_query noop_query") (call $reply)))

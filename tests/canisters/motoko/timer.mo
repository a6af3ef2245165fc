// Timers from mo:core/Timer: a one-shot and a recurring one, both set when the canister is
// installed; the queries say how often each has fired.
import Timer "mo:core/Timer";

persistent actor Ticker {
  var once : Nat = 0;
  var ticks : Nat = 0;

  ignore Timer.setTimer<system>(#seconds 1, func() : async () { once += 1 });
  transient let recurring = Timer.recurringTimer<system>(#seconds 2, func() : async () { ticks += 1 });

  public query func fired() : async (Nat, Nat) { (once, ticks) };

  public func stop() : async () { Timer.cancelTimer(recurring) };
};

// The example canister of `./x run`: a greeting and a counter. The actor is `persistent`, so the
// count survives upgrades (enhanced orthogonal persistence) and restarts of the local network.
import Nat "mo:core/Nat";

persistent actor Hello {
  var count : Nat = 0;

  public query func greet(name : Text) : async Text {
    "Hello, " # name # "!"
  };

  public func inc() : async Nat {
    count += 1;
    count
  };

  public query func get() : async Nat { count };

  public query func describe() : async Text { "count = " # Nat.toText(count) };
};

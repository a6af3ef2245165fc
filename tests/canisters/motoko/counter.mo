// A counter: an update that changes state, a query that reads it.
import Nat "mo:core/Nat";

persistent actor Counter {
  var count : Nat = 0;

  public func inc() : async Nat {
    count += 1;
    count
  };

  public func add(n : Nat) : async Nat {
    count += n;
    count
  };

  public query func get() : async Nat { count };

  public query func describe() : async Text { "count = " # Nat.toText(count) };
};

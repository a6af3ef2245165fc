// Stable state across an upgrade: every variable of a persistent actor is stable unless marked
// transient; the transient one starts again from its initialiser after the upgrade.
import List "mo:core/List";

persistent actor StableVars {
  var entries : List.List<Text> = List.empty<Text>();
  var upgrades : Nat = 0;
  transient var since_upgrade : Nat = 0;

  public func push(t : Text) : async Nat {
    List.add(entries, t);
    since_upgrade += 1;
    List.size(entries)
  };

  public query func all() : async [Text] { List.toArray(entries) };

  public query func counts() : async (Nat, Nat) { (upgrades, since_upgrade) };

  system func postupgrade() { upgrades += 1 };
};

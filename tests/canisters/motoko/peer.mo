// Two installed copies of this canister call each other: ping(other, n) asks |other| for
// ping(self, n - 1) and awaits it, so the calls alternate between the two canisters n times.
import Principal "mo:core/Principal";

persistent actor Peer {
  type Peer = actor { ping : (Principal, Nat) -> async Nat };

  var received : Nat = 0;

  public func ping(other : Principal, n : Nat) : async Nat {
    received += 1;
    if (n == 0) return 0;
    let peer : Peer = actor (Principal.toText(other));
    1 + (await peer.ping(Principal.fromActor(Peer), n - 1 : Nat))
  };

  public query func pings_received() : async Nat { received };
};

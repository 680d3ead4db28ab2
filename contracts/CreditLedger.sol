// SPDX-License-Identifier: MIT
// CreditLedger: one Merkle root per epoch of every volunteer's cumulative mintable credit and stake weight (its
// recent credit, decayed with a one-week half-life). The coordinator proposes each epoch; it is not claimable until
// contributors make it final (Proof of Valuable Computing): attesters drawn from the epoch's volunteers, weighted
// by their stake weight, with a seed from a block after the proposal, sign it
// (EIP-712) and m of n signatures finalise it, or the challenge window passes with no dissent; a signed dissent
// freezes it. Volunteers claim the COP owed against a final epoch with a proof (Uniswap's merkle-distributor
// pattern, cumulative); each agreeing attester is paid a bounded share of the epoch's new credit.
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {COP} from "./COP.sol";

contract CreditLedger is AccessControl, EIP712 {
    bytes32 public constant POSTER_ROLE = keccak256("POSTER_ROLE");
    bytes32 public constant ATTESTATION_TYPEHASH =
        keccak256(
            "Attestation(uint64 epoch,bytes32 root,bytes32 fileHash,uint256 totalCredit,uint256 totalWeight,"
            "bytes32 previousFileHash,bool agree)"
        );
    /// At most 10% of an epoch's new credit goes to its attesters.
    uint256 public constant MAX_SHARE_BPS = 1000;

    enum Status {
        None,
        Proposed,
        Final,
        Frozen
    }

    /// The rules of attestation, fixed at deployment.
    struct Rules {
        /// n: attester slots drawn per epoch (at most 256).
        uint16 attesters;
        /// m: agreeing slots that make an epoch final.
        uint16 quorum;
        /// k: the seed is the hash of the block k blocks after the proposal's.
        uint64 drawDelay;
        /// Seconds after the proposal when an epoch with no dissent becomes final however few signed.
        uint64 challengeWindow;
        /// Of the epoch's new credit (its total minus the previous epoch's), in basis points, shared by the n slots.
        uint16 attesterShareBps;
    }

    /// One epoch. Leaves are OpenZeppelin StandardMerkleTree leaves of (address, credit, offset, weight): credit is
    /// the volunteer's cumulative mintable credit in COP wei (1 credit = 1 COP = 1e18), what claims pay; weight its
    /// stake, its credit decayed with a one-week half-life (docs/chain.md "The weight"), what the draw uses; offset
    /// the sum of the weights of the leaves before it in the epoch file, so [offset, offset + weight) is the
    /// volunteer's range of the draw's line [0, totalWeight).
    struct Epoch {
        bytes32 root;
        bytes32 fileHash;
        uint256 totalCredit;
        uint256 totalWeight;
        /// Zero until drawn from the hash of block `seedBlock`.
        bytes32 seed;
        uint64 seedBlock;
        uint64 proposedAt;
        uint16 attested;
        Status status;
        /// Slots seated so far (seatDraw, seat): attest counts only a seated slot's holder.
        uint16 seated;
        /// Bit i: slot i has signed.
        uint256 signedSlots;
        /// COP wei minted to an attester per agreeing slot.
        uint256 reward;
    }

    COP public immutable cop;
    uint16 public immutable attesters;
    uint16 public immutable quorum;
    uint64 public immutable drawDelay;
    uint64 public immutable challengeWindow;
    uint16 public immutable attesterShareBps;
    uint64 public latestEpoch;
    uint64 public latestFinal;
    mapping(uint64 => Epoch) private _epochs;
    /// Cumulative credit already claimed: also the address's compute stake as proven on chain.
    mapping(address => uint256) public claimed;
    /// seats[epoch][slot]: the address proven to hold slot `slot` of the epoch's draw (zero until seated). Seating
    /// proves each drawn leaf against the root once per epoch, so that attest is a signature check and one read,
    /// the same gas at any number of volunteers.
    mapping(uint64 => mapping(uint256 => address)) public seats;

    /// A leaf of the epoch's tree, as seatDraw receives it.
    struct Leaf {
        address account;
        uint256 credit;
        uint256 offset;
        uint256 weight;
    }

    event EpochProposed(
        uint64 indexed epoch,
        bytes32 root,
        bytes32 fileHash,
        uint256 totalCredit,
        uint256 totalWeight,
        uint64 seedBlock,
        uint256 reward
    );
    event SeedDrawn(uint64 indexed epoch, bytes32 seed);
    event SeedRearmed(uint64 indexed epoch, uint64 seedBlock);
    event Seated(uint64 indexed epoch, uint256 slot, address indexed attester);
    event Attested(uint64 indexed epoch, uint256 slot, address indexed attester, bool agree);
    event EpochFinalized(uint64 indexed epoch, uint256 attestations);
    event EpochFrozen(uint64 indexed epoch, uint256 slot, address indexed attester);
    event Claimed(address indexed account, uint64 indexed epoch, uint256 amount, uint256 cumulative);

    error BadRules();
    error EpochOutOfOrder(uint64 expected, uint64 given);
    error UnknownEpoch(uint64 epoch);
    error NotProposed(uint64 epoch, Status status);
    error NotFinal(uint64 epoch, Status status);
    error NotFrozen(uint64 epoch);
    error SeedNotYet(uint64 seedBlock);
    error SeedExpired(uint64 seedBlock);
    error WindowOpen(uint64 until);
    error BadSlot(uint256 slot);
    error SlotSigned(uint256 slot);
    error WrongSigner(address signer);
    error NotDrawn(uint256 slot);
    error NotSeated(uint256 slot);
    error SlotSeated(uint256 slot);
    error BadSeating(uint256 slots);
    error InvalidProof();
    error NothingToClaim(uint256 cumulative, uint256 alreadyClaimed);
    error EmptyEpoch();

    constructor(address admin, address poster, Rules memory rules) EIP712("Terraflop CreditLedger", "1") {
        if (
            rules.attesters == 0 || rules.attesters > 256 || rules.quorum == 0 || rules.quorum > rules.attesters
                || rules.drawDelay == 0 || rules.attesterShareBps > MAX_SHARE_BPS
        ) revert BadRules();
        cop = new COP();
        attesters = rules.attesters;
        quorum = rules.quorum;
        drawDelay = rules.drawDelay;
        challengeWindow = rules.challengeWindow;
        attesterShareBps = rules.attesterShareBps;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(POSTER_ROLE, poster);
    }

    /// Proposes epoch `epoch` (exactly latestEpoch + 1). Constant gas whatever the number of volunteers. Not
    /// claimable until final; its attesters are drawn from the hash of a block `drawDelay` blocks later, which
    /// does not exist yet, so whoever proposes cannot choose them by choosing when to propose.
    function proposeEpoch(uint64 epoch, bytes32 root, bytes32 fileHash, uint256 totalCredit, uint256 totalWeight)
        external
        onlyRole(POSTER_ROLE)
    {
        if (epoch != latestEpoch + 1) revert EpochOutOfOrder(latestEpoch + 1, epoch);
        if (totalCredit == 0 || totalWeight == 0) revert EmptyEpoch();
        uint256 previous = epoch > 1 ? _epochs[epoch - 1].totalCredit : 0;
        uint256 fresh = totalCredit > previous ? totalCredit - previous : 0;
        uint256 reward = fresh * attesterShareBps / 10_000 / attesters;
        uint64 seedBlock = uint64(block.number) + drawDelay;
        // Field by field: an epoch's storage is all zero until now, so its zero fields need no write.
        Epoch storage e = _epochs[epoch];
        e.root = root;
        e.fileHash = fileHash;
        e.totalCredit = totalCredit;
        e.totalWeight = totalWeight;
        e.seedBlock = seedBlock;
        e.proposedAt = uint64(block.timestamp);
        e.status = Status.Proposed;
        e.reward = reward;
        latestEpoch = epoch;
        emit EpochProposed(epoch, root, fileHash, totalCredit, totalWeight, seedBlock, reward);
    }

    function epochs(uint64 epoch) external view returns (Epoch memory) {
        return _epochs[epoch];
    }

    /// Fixes the epoch's seed once its seed block is past (anyone may call; seating does it too). A seed block
    /// older than the 256 blocks the EVM remembers cannot be read: the draw is re-armed on a block to come.
    function drawSeed(uint64 epoch) external returns (bytes32) {
        Epoch storage e = _known(epoch);
        if (e.seed != 0) return e.seed;
        if (block.number <= e.seedBlock) revert SeedNotYet(e.seedBlock);
        bytes32 h = blockhash(e.seedBlock);
        if (h == 0) {
            e.seedBlock = uint64(block.number) + drawDelay;
            emit SeedRearmed(epoch, e.seedBlock);
            return 0;
        }
        return _fix(e, epoch, h);
    }

    /// The epoch's seed: fixed, or readable from its seed block's hash now; zero while neither.
    function seedOf(uint64 epoch) public view returns (bytes32) {
        Epoch storage e = _known(epoch);
        if (e.seed != 0 || block.number <= e.seedBlock) return e.seed;
        bytes32 h = blockhash(e.seedBlock);
        return h == 0 ? bytes32(0) : keccak256(abi.encode(h, epoch));
    }

    /// The `count` points of epoch `epoch`'s attester draw, each uniform in [0, totalWeight): the volunteer whose
    /// range holds point i is drawn for slot i, so each is drawn with probability proportional to its weight.
    function attesterPoints(uint64 epoch, uint256 count) external view returns (uint256[] memory points) {
        bytes32 seed = seedOf(epoch);
        if (seed == 0) revert SeedNotYet(_epochs[epoch].seedBlock);
        uint256 total = _epochs[epoch].totalWeight;
        points = new uint256[](count);
        for (uint256 i = 0; i < count; i++) {
            points[i] = _point(seed, i, total);
        }
    }

    /// Whether `account`, with the given leaf of epoch `epoch`, is drawn for slot `slot`.
    function isAttester(
        uint64 epoch,
        uint256 slot,
        address account,
        uint256 credit,
        uint256 offset,
        uint256 weight,
        bytes32[] calldata proof
    ) external view returns (bool) {
        bytes32 seed = seedOf(epoch);
        if (seed == 0) revert SeedNotYet(_epochs[epoch].seedBlock);
        Epoch storage e = _epochs[epoch];
        if (!MerkleProof.verifyCalldata(proof, e.root, _leaf(account, credit, offset, weight))) return false;
        return _holds(seed, slot, e.totalWeight, offset, weight);
    }

    /// The EIP-712 digest an attester signs for `epoch` as proposed. It names the previous epoch's file hash: the
    /// weights are checked against that file's, so an attester shown another previous file signs for nothing.
    function attestationDigest(uint64 epoch, bool agree) public view returns (bytes32) {
        Epoch storage e = _known(epoch);
        bytes32 previousFileHash = epoch > 1 ? _epochs[epoch - 1].fileHash : bytes32(0);
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    ATTESTATION_TYPEHASH,
                    epoch,
                    e.root,
                    e.fileHash,
                    e.totalCredit,
                    e.totalWeight,
                    previousFileHash,
                    agree
                )
            )
        );
    }

    /// Seats every slot of the epoch's draw at once (anyone may call; the coordinator does, once its seed is fixed):
    /// `leaves` are the drawn leaves, proven together against the root by one OpenZeppelin multiproof (`proof`,
    /// `proofFlags`), and `slotLeaf[i]` the index in `leaves` of slot i's holder, for all n slots. Each slot's point
    /// must fall in its leaf's range, so the seats are the draw's and no one else's; and since all n are required,
    /// whoever sends it cannot leave a drawn slot out (slots already seated by `seat` are kept). Per epoch, not per
    /// signature: its gas is bench:chain's seat_gas.
    function seatDraw(
        uint64 epoch,
        Leaf[] calldata leaves,
        bytes32[] calldata proof,
        bool[] calldata proofFlags,
        uint8[] calldata slotLeaf
    ) external {
        Epoch storage e = _known(epoch);
        if (e.status != Status.Proposed) revert NotProposed(epoch, e.status);
        if (slotLeaf.length != attesters) revert BadSeating(slotLeaf.length);
        bytes32 seed = _seedFixed(e, epoch);
        bytes32[] memory hashes = new bytes32[](leaves.length);
        for (uint256 i = 0; i < leaves.length; i++) {
            hashes[i] = _leaf(leaves[i].account, leaves[i].credit, leaves[i].offset, leaves[i].weight);
        }
        if (leaves.length == 0 || !MerkleProof.multiProofVerifyCalldata(proof, proofFlags, e.root, hashes)) {
            revert InvalidProof();
        }
        e.seated += _seatAll(seats[epoch], epoch, seed, e.totalWeight, leaves, slotLeaf);
    }

    /// Seats each slot not seated yet with its leaf in `leaves` (already proven), if the slot's point is in its range.
    /// Apart from seatDraw, whose stack would not hold it all. Returns how many it seated.
    function _seatAll(
        mapping(uint256 => address) storage seated,
        uint64 epoch,
        bytes32 seed,
        uint256 totalWeight,
        Leaf[] calldata leaves,
        uint8[] calldata slotLeaf
    ) private returns (uint16 count) {
        for (uint256 slot = 0; slot < slotLeaf.length; slot++) {
            if (seated[slot] != address(0)) continue;
            if (slotLeaf[slot] >= leaves.length) revert NotDrawn(slot);
            Leaf calldata l = leaves[slotLeaf[slot]];
            if (!_holds(seed, slot, totalWeight, l.offset, l.weight)) revert NotDrawn(slot);
            seated[slot] = l.account;
            count += 1;
            emit Seated(epoch, slot, l.account);
        }
    }

    /// Seats one slot with its holder's own proof (anyone may call): the way round a coordinator that does not seat,
    /// at the cost of one proof of log2(volunteers) hashes, paid once by whoever sends it.
    function seat(
        uint64 epoch,
        uint256 slot,
        address account,
        uint256 credit,
        uint256 offset,
        uint256 weight,
        bytes32[] calldata proof
    ) external {
        Epoch storage e = _known(epoch);
        if (e.status != Status.Proposed) revert NotProposed(epoch, e.status);
        if (slot >= attesters) revert BadSlot(slot);
        if (seats[epoch][slot] != address(0)) revert SlotSeated(slot);
        bytes32 seed = _seedFixed(e, epoch);
        if (!MerkleProof.verifyCalldata(proof, e.root, _leaf(account, credit, offset, weight))) revert InvalidProof();
        if (!_holds(seed, slot, e.totalWeight, offset, weight)) revert NotDrawn(slot);
        seats[epoch][slot] = account;
        e.seated += 1;
        emit Seated(epoch, slot, account);
    }

    /// Counts the signature of the attester seated in `slot` (anyone may relay it: volunteers need no gas). An
    /// agreeing one pays the attester the epoch's reward and, at the quorum-th, makes the epoch final; a dissent
    /// freezes it. Gas: a signature check and a storage read, the same at any number of volunteers (the proof was
    /// checked once, when the slot was seated). The signature names the epoch, its root and totals, the chain and
    /// this ledger (EIP-712), so it counts nowhere else; each slot counts once.
    function attest(uint64 epoch, uint256 slot, bool agree, bytes calldata signature) external {
        Epoch storage e = _known(epoch);
        if (e.status != Status.Proposed) revert NotProposed(epoch, e.status);
        if (slot >= attesters) revert BadSlot(slot);
        if (e.signedSlots & (1 << slot) != 0) revert SlotSigned(slot);
        address holder = seats[epoch][slot];
        if (holder == address(0)) revert NotSeated(slot);
        address signer = ECDSA.recover(attestationDigest(epoch, agree), signature);
        if (signer != holder) revert WrongSigner(signer);
        e.signedSlots |= 1 << slot;
        emit Attested(epoch, slot, signer, agree);
        if (!agree) {
            e.status = Status.Frozen;
            emit EpochFrozen(epoch, slot, signer);
            return;
        }
        e.attested += 1;
        if (e.reward > 0) cop.mint(signer, e.reward);
        if (e.attested >= quorum) _finalize(e, epoch);
    }

    /// After the challenge window, an epoch that no attester disputed is final however few signed.
    function finalize(uint64 epoch) external {
        Epoch storage e = _known(epoch);
        if (e.status != Status.Proposed) revert NotProposed(epoch, e.status);
        uint64 until = e.proposedAt + challengeWindow;
        if (block.timestamp < until) revert WindowOpen(until);
        _finalize(e, epoch);
    }

    /// The admin's ruling on a frozen epoch, once the dissent is looked into: accept it as final, or leave it
    /// frozen for good (a later epoch, cumulative, supersedes it).
    function resolveFrozen(uint64 epoch) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Epoch storage e = _known(epoch);
        if (e.status != Status.Frozen) revert NotFrozen(epoch);
        _finalize(e, epoch);
    }

    /// Mints to `account` the COP owed for its cumulative credit in the final epoch `epoch` minus what it already
    /// claimed. Anyone may submit the claim; the tokens always go to `account`. The leaf's weight is the draw's, not
    /// the claim's: a claim pays cumulative credit.
    function claim(
        uint64 epoch,
        address account,
        uint256 credit,
        uint256 offset,
        uint256 weight,
        bytes32[] calldata proof
    ) external {
        Epoch storage e = _epochs[epoch];
        if (e.status != Status.Final) revert NotFinal(epoch, e.status);
        if (!MerkleProof.verifyCalldata(proof, e.root, _leaf(account, credit, offset, weight))) revert InvalidProof();
        uint256 already = claimed[account];
        if (credit <= already) revert NothingToClaim(credit, already);
        claimed[account] = credit;
        cop.mint(account, credit - already);
        emit Claimed(account, epoch, credit - already, credit);
    }

    /// The compute stake of `account` as proven on chain: its cumulative validated credit at its last claim.
    function stakeOf(address account) external view returns (uint256) {
        return claimed[account];
    }

    function _known(uint64 epoch) private view returns (Epoch storage e) {
        e = _epochs[epoch];
        if (e.status == Status.None) revert UnknownEpoch(epoch);
    }

    /// The seed the seats are drawn with, fixing it on the epoch's first seating.
    function _seedFixed(Epoch storage e, uint64 epoch) private returns (bytes32 seed) {
        seed = e.seed;
        if (seed != 0) return seed;
        if (block.number <= e.seedBlock) revert SeedNotYet(e.seedBlock);
        bytes32 h = blockhash(e.seedBlock);
        if (h == 0) revert SeedExpired(e.seedBlock);
        return _fix(e, epoch, h);
    }

    /// Whether slot `slot`'s point falls in the range [offset, offset + weight).
    function _holds(bytes32 seed, uint256 slot, uint256 totalWeight, uint256 offset, uint256 weight)
        private
        pure
        returns (bool)
    {
        uint256 point = _point(seed, slot, totalWeight);
        return point >= offset && point - offset < weight;
    }

    function _fix(Epoch storage e, uint64 epoch, bytes32 blockHash) private returns (bytes32 seed) {
        seed = keccak256(abi.encode(blockHash, epoch));
        e.seed = seed;
        emit SeedDrawn(epoch, seed);
    }

    function _finalize(Epoch storage e, uint64 epoch) private {
        e.status = Status.Final;
        if (epoch > latestFinal) latestFinal = epoch;
        emit EpochFinalized(epoch, e.attested);
    }

    function _point(bytes32 seed, uint256 slot, uint256 total) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, slot))) % total;
    }

    /// OpenZeppelin StandardMerkleTree's leaf: double keccak of the ABI-encoded values.
    function _leaf(address account, uint256 credit, uint256 offset, uint256 weight) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, credit, offset, weight))));
    }
}

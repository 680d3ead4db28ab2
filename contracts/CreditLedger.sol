// SPDX-License-Identifier: MIT
// CreditLedger: one Merkle root per epoch of every volunteer's cumulative validated credit, posted by the
// coordinator; volunteers claim the COP owed with a proof (Uniswap's merkle-distributor pattern, cumulative), and
// each epoch's attesters are drawn weighted by compute stake from a past block hash (Proof of Valuable Computing).
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {COP} from "./COP.sol";

contract CreditLedger is AccessControl {
    bytes32 public constant POSTER_ROLE = keccak256("POSTER_ROLE");

    /// One posted epoch. Leaves are OpenZeppelin StandardMerkleTree leaves of (address, credit, offset): credit is
    /// the volunteer's cumulative validated credit in COP wei (1 credit = 1 COP = 1e18), offset the sum of the
    /// credit of the leaves before it in the epoch file, so [offset, offset + credit) is the volunteer's stake range.
    struct Epoch {
        bytes32 root;
        bytes32 fileHash;
        uint256 totalCredit;
        bytes32 seed;
    }

    COP public immutable cop;
    uint64 public latestEpoch;
    mapping(uint64 => Epoch) private _epochs;
    /// Cumulative credit already claimed: also the address's compute stake as proven on chain.
    mapping(address => uint256) public claimed;

    event EpochPosted(uint64 indexed epoch, bytes32 root, bytes32 fileHash, uint256 totalCredit, bytes32 seed);
    event Claimed(address indexed account, uint64 indexed epoch, uint256 amount, uint256 cumulative);

    error EpochOutOfOrder(uint64 expected, uint64 given);
    error UnknownEpoch(uint64 epoch);
    error InvalidProof();
    error NothingToClaim(uint256 cumulative, uint256 alreadyClaimed);
    error EmptyEpoch();

    constructor(address admin, address poster) {
        cop = new COP();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(POSTER_ROLE, poster);
    }

    /// Posts epoch `epoch` (exactly latestEpoch + 1). Constant gas whatever the number of volunteers.
    function postEpoch(uint64 epoch, bytes32 root, bytes32 fileHash, uint256 totalCredit)
        external
        onlyRole(POSTER_ROLE)
    {
        if (epoch != latestEpoch + 1) revert EpochOutOfOrder(latestEpoch + 1, epoch);
        if (totalCredit == 0) revert EmptyEpoch();
        // The seed is a past block hash, public and fixed once the epoch is posted.
        bytes32 seed = blockhash(block.number - 1);
        _epochs[epoch] = Epoch(root, fileHash, totalCredit, seed);
        latestEpoch = epoch;
        emit EpochPosted(epoch, root, fileHash, totalCredit, seed);
    }

    function epochs(uint64 epoch) external view returns (Epoch memory) {
        return _epochs[epoch];
    }

    /// Mints to `account` the COP owed for its cumulative credit in `epoch` minus what it already claimed. Anyone
    /// may submit the claim; the tokens always go to `account`.
    function claim(uint64 epoch, address account, uint256 credit, uint256 offset, bytes32[] calldata proof) external {
        bytes32 root = _epochs[epoch].root;
        if (root == bytes32(0)) revert UnknownEpoch(epoch);
        if (!MerkleProof.verifyCalldata(proof, root, _leaf(account, credit, offset))) revert InvalidProof();
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

    /// The `count` points of epoch `epoch`'s attester draw, each uniform in [0, totalCredit): the volunteer whose
    /// stake range holds a point is drawn, so each is drawn with probability proportional to its credit.
    function attesterPoints(uint64 epoch, uint256 count) external view returns (uint256[] memory points) {
        Epoch storage e = _epochs[epoch];
        if (e.root == bytes32(0)) revert UnknownEpoch(epoch);
        points = new uint256[](count);
        for (uint256 i = 0; i < count; i++) {
            points[i] = uint256(keccak256(abi.encode(e.seed, epoch, i))) % e.totalCredit;
        }
    }

    /// Whether `account`, with the given leaf of epoch `epoch`, is its `index`th drawn attester.
    function isAttester(
        uint64 epoch,
        uint256 index,
        address account,
        uint256 credit,
        uint256 offset,
        bytes32[] calldata proof
    ) external view returns (bool) {
        Epoch storage e = _epochs[epoch];
        if (e.root == bytes32(0)) revert UnknownEpoch(epoch);
        if (!MerkleProof.verifyCalldata(proof, e.root, _leaf(account, credit, offset))) return false;
        uint256 point = uint256(keccak256(abi.encode(e.seed, epoch, index))) % e.totalCredit;
        return point >= offset && point - offset < credit;
    }

    /// OpenZeppelin StandardMerkleTree's leaf: double keccak of the ABI-encoded values.
    function _leaf(address account, uint256 credit, uint256 offset) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, credit, offset))));
    }
}

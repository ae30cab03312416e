import ConcordFederation

/// The one way a participant is put together, in a simulation and in `concord node`:
/// charter check → local training → clip (DP, as the instruction asks) → quantise and mask (SecAgg).
///
/// Training and clipping are the ``ConcordFederation/LocalParticipant``'s (or any other trainer behind a
/// ``ConcordFederation/ClientProxy``); the charter check, when the participant enforces one, sits in front of it;
/// the participant's side of secure aggregation in front of that, passing plain rounds through.
public enum ParticipantPipeline {
    /// The participant, with its charter check when given, without secure aggregation.
    ///
    /// - Parameters:
    ///   - training: what trains (and clips) on the participant's data.
    ///   - charterCheck: puts the participant behind its own enforcement of a charter; nil for none.
    ///   - recordAccountant: admits the participant's record-level DP-SGD steps before it trains; nil for none.
    ///   - run: the run those steps are recorded under.
    public static func assemble(
        training: any ClientProxy, charterCheck: (@Sendable (any ClientProxy) -> any ClientProxy)? = nil,
        recordAccountant: RecordPrivacyAccountant? = nil, run: String = ""
    ) -> any ClientProxy {
        let accounted = recordAccountant.map { RecordPrivacyAccounting(training, accountant: $0, run: run) } ?? training
        return charterCheck?(accounted) ?? accounted
    }

    /// The participant, with its charter check when given, behind its side of secure aggregation (which serves
    /// plain rounds too).
    ///
    /// - Parameters:
    ///   - dropouts: stages at which it vanishes (simulation only).
    ///   - recordAccountant: admits the participant's record-level DP-SGD steps before it trains; nil for none.
    ///   - run: the run those steps are recorded under.
    public static func assembleSecure(
        training: any ClientProxy, charterCheck: (@Sendable (any ClientProxy) -> any ClientProxy)? = nil,
        dropouts: SecureAggregationDropouts = .none, recordAccountant: RecordPrivacyAccountant? = nil,
        run: String = ""
    ) -> SecureAggregatingClient {
        SecureAggregatingClient(
            assemble(training: training, charterCheck: charterCheck, recordAccountant: recordAccountant, run: run),
            dropouts: dropouts)
    }
}

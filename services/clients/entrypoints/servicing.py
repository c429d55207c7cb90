"""The service given to a client over RPC: service records, feedback, the month's board."""
from servicekit.rpc import rpc
from servicekit.service import parse

from contracts.clients import schemas
from ..usecases import servicing


class ServicingEntrypoints:
    # -- service records ------------------------------------------------------------------
    @rpc
    def list_service_records(self, client_id, query=None):
        return self._run(servicing.list_service_records, client_id, parse(schemas.ServiceRecordsQuery, query),
                         permission="service.read")

    @rpc
    def add_service_record(self, client_id, payload):
        return self._run(servicing.add_service_record, client_id, parse(schemas.ServiceRecordSchema, payload),
                         permission="service_records.write")

    # -- feedback -----------------------------------------------------------------------------
    @rpc
    def list_feedback(self, client_id, query=None):
        return self._run(servicing.list_feedback, client_id, parse(schemas.FeedbackQuery, query),
                         permission="service.read")

    @rpc
    def create_feedback(self, client_id, payload):
        return self._run(servicing.create_feedback, client_id, parse(schemas.FeedbackSchema, payload),
                         permission="feedback.create")

    @rpc
    def handle_feedback(self, feedback_id, payload):
        return self._run(servicing.handle_feedback, feedback_id, parse(schemas.HandleFeedbackSchema, payload),
                         permission="feedback.handle")

    @rpc
    def close_feedback(self, feedback_id, payload):
        return self._run(servicing.close_feedback, feedback_id, parse(schemas.CloseFeedbackSchema, payload),
                         permission="feedback.close")

    # -- the month's board ---------------------------------------------------------------------
    @rpc
    def board(self, client_id, query=None):
        return self._run(servicing.board, client_id, parse(schemas.BoardQuery, query), permission="service.read")

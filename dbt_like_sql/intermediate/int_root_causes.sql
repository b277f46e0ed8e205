with

inquiries as (

    select * from int_inquiries

),

parameters as (

    select * from rule_parameters

),

settings as (

    select * from process_settings

),

case_links as (

    select * from int_case_links

),

invoice_links as (

    select * from int_invoice_links

),

cases as (

    select * from int_cases

),

events as (

    select * from stg_case_events

),

invoices as (

    select * from int_invoices

),

decision_times as (

    select * from int_decision_times

),

-- what had happened on the linked case by the time of the inquiry: a join and one pass, not a
-- subquery per inquiry
case_events as (

    select
        inquiries.inquiry_id,
        sum(
            case
                when events.event = 'completion_requested'
                    and events.event_at <= inquiries.occurred_at
                    and date_diff('second', events.event_at, inquiries.occurred_at) / 86400.0
                        <= parameters.completion_window_days
                    then 1
                else 0
            end
        ) as recent_completion_requests,
        sum(
            case when events.event <> 'opened' and events.event_at <= inquiries.occurred_at then 1 else 0 end
        ) as events_since_opening

    from inquiries
    cross join parameters
    inner join case_links on case_links.inquiry_id = inquiries.inquiry_id
    inner join events on events.case_ref = case_links.case_ref
    where inquiries.avoidable
    group by inquiries.inquiry_id

),

evidence as (

    select
        inquiries.inquiry_id,
        inquiries.occurred_at,
        inquiries.week_start,
        inquiries.process,
        inquiries.demand_type,
        inquiries.hours,
        case_links.case_ref as linked_case_ref,
        case_links.link_method as case_link_method,
        invoice_links.invoice_ref as linked_invoice_ref,
        invoice_links.link_method as invoice_link_method,
        inquiries.previous_inquiry_id,
        inquiries.days_since_previous,
        date_diff('second', cases.opened_at, inquiries.occurred_at) / 86400.0 as case_age_days,
        cases.decided_at,
        decision_times.median_days_to_decision,
        invoices.issued_at,
        invoices.paid_at,
        invoices.reminder_at,
        date_diff('second', invoices.issued_at, inquiries.occurred_at) / 86400.0 as days_since_issue,
        settings.publishes_processing_time,
        parameters.completion_window_days,
        parameters.invoice_fresh_days,
        parameters.duplicate_lookback_days,
        coalesce(case_events.recent_completion_requests, 0) as recent_completion_requests,
        coalesce(case_events.events_since_opening, 0) as events_since_opening

    from inquiries
    cross join parameters
    left join case_links on case_links.inquiry_id = inquiries.inquiry_id
    left join cases on cases.case_ref = case_links.case_ref
    left join decision_times on decision_times.process = inquiries.process
    left join invoice_links on invoice_links.inquiry_id = inquiries.inquiry_id
    left join invoices on invoices.invoice_ref = invoice_links.invoice_ref
    left join settings on settings.process = inquiries.process
    left join case_events on case_events.inquiry_id = inquiries.inquiry_id
    where inquiries.avoidable

)

select
    inquiry_id,
    occurred_at,
    week_start,
    process,
    demand_type,
    hours,
    linked_case_ref,
    case_link_method,
    linked_invoice_ref,
    invoice_link_method,
    case when demand_type = 'duplicate_request' then previous_inquiry_id end as repeats_inquiry_id,
    case
        when demand_type = 'invoice_status' then
            case
                when linked_invoice_ref is null then 'no_invoice_found'
                when paid_at <= occurred_at and reminder_at > paid_at and reminder_at <= occurred_at
                    then 'reminder_after_payment'
                when paid_at <= occurred_at then 'paid_before_contact'
                when days_since_issue <= invoice_fresh_days then 'invoice_hard_to_understand'
                when reminder_at <= occurred_at then 'reminder_for_unpaid_invoice'
                else 'unknown'
            end
        when demand_type = 'case_status' then
            case
                when linked_case_ref is null then 'unknown'
                when decided_at <= occurred_at then 'decision_not_received'
                when case_age_days > median_days_to_decision then 'case_delayed'
                when events_since_opening = 0 then 'no_acknowledgement'
                when median_days_to_decision is not null then 'expected_time_not_communicated'
                else 'unknown'
            end
        when demand_type = 'missing_information' then
            case
                when linked_case_ref is null then 'unknown'
                when recent_completion_requests > 0 then 'unclear_completion_letter'
                else 'form_did_not_collect'
            end
        when demand_type = 'duplicate_request' then
            case
                when days_since_previous <= duplicate_lookback_days then 'repeats_earlier_inquiry'
                else 'unknown'
            end
        when demand_type = 'processing_time' then
            case
                when publishes_processing_time then 'published_time_not_found'
                else 'no_published_processing_time'
            end
        else 'unknown'
    end as root_cause

from evidence

with

inquiries as (

    select * from int_inquiries

),

cases as (

    select * from int_cases

),

by_reference as (

    select
        inquiries.inquiry_id,
        cases.case_ref,
        'reference' as link_method

    from inquiries
    inner join cases on cases.case_ref = inquiries.case_ref

),

-- without a reference: the same citizen's case in the same process that was open at the time,
-- the most recently opened one first
by_citizen as (

    select
        inquiries.inquiry_id,
        cases.case_ref,
        'citizen_process_time' as link_method,
        row_number() over (
            partition by inquiries.inquiry_id
            order by cases.opened_at desc, cases.case_ref
        ) as nearness

    from inquiries
    inner join cases
        on cases.citizen_key = inquiries.citizen_key
        and cases.process = inquiries.process
        and cases.opened_at <= inquiries.occurred_at
        and (cases.closed_at is null or cases.closed_at >= inquiries.occurred_at)
    where inquiries.inquiry_id not in (select inquiry_id from by_reference)

)

select inquiry_id, case_ref, link_method from by_reference
union all
select inquiry_id, case_ref, link_method from by_citizen where nearness = 1

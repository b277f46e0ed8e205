with

-- int_inquiries, not inquiries: the marts read rows of their own week only (see int_inquiries)
inquiries as (

    select * from int_inquiries

),

correction as (

    select * from classifier_correction

),

-- which confusion matrix the weights come from (audit or evaluation split), and half the width of
-- the 95 % interval of the accuracy behind it: the classifier's own uncertainty
basis as (

    select
        max(basis) as correction_basis,
        max(accuracy_margin) as accuracy_margin

    from classifier_correction

),

weekly as (

    select
        process,
        week_start,
        cast(count(*) as bigint) as inquiries,
        cast(sum(case when avoidable then 1 else 0 end) as bigint) as avoidable_inquiries,
        cast(sum(case when demand_type = 'invoice_status' then 1 else 0 end) as bigint) as n_invoice_status,
        cast(sum(case when demand_type = 'case_status' then 1 else 0 end) as bigint) as n_case_status,
        cast(sum(case when demand_type = 'missing_information' then 1 else 0 end) as bigint) as n_missing_information,
        cast(sum(case when demand_type = 'duplicate_request' then 1 else 0 end) as bigint) as n_duplicate_request,
        cast(sum(case when demand_type = 'processing_time' then 1 else 0 end) as bigint) as n_processing_time,
        cast(sum(case when demand_type = 'value_demand' then 1 else 0 end) as bigint) as n_value_demand,
        cast(sum(case when needs_review then 1 else 0 end) as bigint) as needs_review,
        sum(case when label_origin = 'model' then 1 else 0 end) as model_inquiries,
        -- labels that are not the model's (behaviour, empty submissions, analysts) need no correction
        sum(case when avoidable and label_origin <> 'model' then 1 else 0 end) as certain_avoidable

    from inquiries
    group by process, week_start

),

model_labelled as (

    select
        process,
        week_start,
        demand_type as predicted_type,
        count(*) as n

    from inquiries
    where label_origin = 'model'
    group by process, week_start, demand_type

),

-- the model's known errors undone: corrected counts are the inverse of the confusion rates
-- applied to the predicted counts, summed over the avoidable true types
corrected as (

    select
        model_labelled.process,
        model_labelled.week_start,
        sum(model_labelled.n * correction.weight) as corrected_model_avoidable

    from model_labelled
    inner join correction on correction.predicted_type = model_labelled.predicted_type
    where correction.true_type <> 'value_demand'
    group by model_labelled.process, model_labelled.week_start

),

shares as (

    select
        weekly.*,
        cast(weekly.avoidable_inquiries as double) / weekly.inquiries as avoidable_share,
        (weekly.certain_avoidable + coalesce(corrected.corrected_model_avoidable, 0)) / weekly.inquiries
            as raw_corrected_share

    from weekly
    left join corrected
        on corrected.process = weekly.process
        and corrected.week_start = weekly.week_start

),

clipped as (

    select
        shares.*,
        greatest(0.0, least(1.0, raw_corrected_share)) as corrected_avoidable_share,
        -- the classifier's part of the corrected share's uncertainty: the share of inquiries the
        -- model labelled times the uncertainty of its accuracy
        cast(shares.model_inquiries as double) / shares.inquiries * basis.accuracy_margin as classifier_margin,
        basis.correction_basis

    from shares
    cross join basis

),

intervals as (

    select
        clipped.*,
        -- the Wilson interval of the corrected share (its sampling), widened in quadrature by the classifier's margin
        (corrected_avoidable_share + 1.96 * 1.96 / (2 * inquiries)) / (1 + 1.96 * 1.96 / inquiries) as corrected_centre,
        sqrt(
            power(
                1.96 * sqrt(
                    corrected_avoidable_share * (1 - corrected_avoidable_share) / inquiries
                    + 1.96 * 1.96 / (4.0 * inquiries * inquiries)
                ) / (1 + 1.96 * 1.96 / inquiries),
                2
            )
            + power(coalesce(classifier_margin, 0), 2)
        ) as corrected_half_width

    from clipped

)

select
    process,
    week_start,
    inquiries,
    avoidable_inquiries,
    avoidable_share,
    -- 95 % Wilson score interval for the share
    (avoidable_share + 1.96 * 1.96 / (2 * inquiries)
        - 1.96 * sqrt(avoidable_share * (1 - avoidable_share) / inquiries + 1.96 * 1.96 / (4.0 * inquiries * inquiries)))
        / (1 + 1.96 * 1.96 / inquiries) as avoidable_share_low,
    (avoidable_share + 1.96 * 1.96 / (2 * inquiries)
        + 1.96 * sqrt(avoidable_share * (1 - avoidable_share) / inquiries + 1.96 * 1.96 / (4.0 * inquiries * inquiries)))
        / (1 + 1.96 * 1.96 / inquiries) as avoidable_share_high,
    corrected_avoidable_share,
    greatest(0.0, corrected_centre - corrected_half_width) as corrected_share_low,
    least(1.0, corrected_centre + corrected_half_width) as corrected_share_high,
    correction_basis,
    n_invoice_status,
    n_case_status,
    n_missing_information,
    n_duplicate_request,
    n_processing_time,
    n_value_demand,
    needs_review

from intervals
order by process, week_start

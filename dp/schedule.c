/*  dp/schedule.c - the privacy of a training schedule (dp/schedule.h). */
#include "schedule.h"
#include "util/error.h"

//  The schedule's orders, or the default grid.
static const double *
s_orders (const dp_schedule_t *self, size_t *n)
{
    if (self->orders) {
        *n = self->n_orders;
        return self->orders;
    }
    const double *grid;
    *n = dp_orders_extended (&grid);
    return grid;
}

int
dp_schedule_epsilon (const dp_schedule_t *self, double *epsilon, double *order)
{
    size_t n;
    const double *orders = s_orders (self, &n);
    return dp_epsilon_with (&self->mechanism, self->sampling_rate, self->noise_multiplier,
                            self->steps, self->delta, orders, n, self->conversion, epsilon, order);
}

int
dp_schedule_calibrate (dp_schedule_t *self, double target_epsilon, double *epsilon,
                       double *order)
{
    size_t n;
    const double *orders = s_orders (self, &n);
    double z;
    if (dp_calibrate_noise_with (&self->mechanism, target_epsilon, self->delta,
                                 self->sampling_rate, self->steps, orders, n, self->conversion, &z)
    ||  dp_epsilon_with (&self->mechanism, self->sampling_rate, z, self->steps, self->delta,
                         orders, n, self->conversion, epsilon, order))
        return -1;
    self->noise_multiplier = z;
    return 0;
}
